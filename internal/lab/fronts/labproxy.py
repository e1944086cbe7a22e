"""A tiny ASGI reverse proxy for the lab: uvicorn (or gunicorn with the
uvicorn worker) serves it and writes its own access log; every request is
forwarded to the Go scenario server named by LAB_UPSTREAM (host:port).

Standard library only, so Debian's python3 with python3-uvicorn runs it.
"""
import asyncio
import concurrent.futures
import http.client
import os
import socket

UPSTREAM_HOST, UPSTREAM_PORT = os.environ["LAB_UPSTREAM"].rsplit(":", 1)
HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer",
       b"upgrade", b"proxy-connection", b"content-length"}


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # Upstream calls block a thread each (slow token endpoints,
                # open streams): more threads than the default handful.
                asyncio.get_running_loop().set_default_executor(
                    concurrent.futures.ThreadPoolExecutor(max_workers=128))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    target = scope.get("raw_path") or scope["path"].encode()
    if scope.get("query_string"):
        target += b"?" + scope["query_string"]
    headers = [(k.decode("latin-1"), v.decode("latin-1"))
               for k, v in scope["headers"] if k.lower() not in HOP]
    conn = http.client.HTTPConnection(UPSTREAM_HOST, int(UPSTREAM_PORT), timeout=120)

    def forward():
        conn.putrequest(scope["method"], target.decode("latin-1"),
                        skip_host=True, skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        return conn.getresponse()

    loop = asyncio.get_running_loop()
    # The client may leave while the upstream is still thinking (the
    # connector gives up on a slow token endpoint): stop forwarding then.
    gone = asyncio.ensure_future(watch_disconnect(receive))
    try:
        upstream = asyncio.ensure_future(loop.run_in_executor(None, forward))
        done, _ = await asyncio.wait({upstream, gone}, return_when=asyncio.FIRST_COMPLETED)
        if upstream not in done:
            hangup(conn)
            return
        resp = upstream.result()
        out = [(k.lower().encode("latin-1"), v.encode("latin-1"))
               for k, v in resp.getheaders() if k.lower().encode() not in HOP]
        await send({"type": "http.response.start", "status": resp.status, "headers": out})
        while True:
            read = asyncio.ensure_future(loop.run_in_executor(None, resp.read1, 65536))
            await asyncio.wait({read, gone}, return_when=asyncio.FIRST_COMPLETED)
            if gone.done():
                # A stream (SSE) the client left: hang up upstream too, or
                # the read never returns.
                hangup(conn)
                return
            chunk = read.result()
            if not chunk:
                break
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        gone.cancel()
        conn.close()


def hangup(conn):
    """Closes the upstream connection so that a thread blocked reading it
    returns (a plain close does not wake a blocked recv)."""
    if conn.sock is not None:
        try:
            conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    conn.close()


async def watch_disconnect(receive):
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
