// Command mcptriage explains why a remote MCP server does not connect to
// Claude.ai's custom connector, from the server's own logs.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], systemIO()))
}
