package tracker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// Cache keeps search answers on disk so repeated runs do not spend
// GitHub's search limit (10 a minute without a token).
type Cache struct {
	Dir string
	TTL time.Duration
	Now func() time.Time
}

// DefaultCacheTTL is how long an answer is reused.
const DefaultCacheTTL = time.Hour

// DefaultCacheDir is mcptriage's directory in the user's cache
// ($XDG_CACHE_HOME, ~/.cache, ~/Library/Caches, %LocalAppData%).
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "mcptriage", "search"), nil
}

type cacheEntry struct {
	Query   string    `json:"query"`
	Fetched time.Time `json:"fetched"`
	Issues  []Issue   `json:"issues"`
}

func (c *Cache) path(api, query string) string {
	sum := sha256.Sum256([]byte(api + "\n" + query))
	return filepath.Join(c.Dir, hex.EncodeToString(sum[:12])+".json")
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Get returns a fresh answer, if there is one. A missing, stale or
// unreadable entry is simply a miss.
func (c *Cache) Get(api, query string) ([]Issue, time.Time, bool) {
	if c == nil {
		return nil, time.Time{}, false
	}
	b, err := os.ReadFile(c.path(api, query))
	if err != nil {
		return nil, time.Time{}, false
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil || e.Query != query || c.now().Sub(e.Fetched) > c.TTL || e.Fetched.After(c.now()) {
		return nil, time.Time{}, false
	}
	return e.Issues, e.Fetched, true
}

// Put stores an answer. The file is written whole or not at all, so a
// concurrent run never reads half of one.
func (c *Cache) Put(api, query string, issues []Issue) error {
	if c == nil {
		return nil
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(cacheEntry{Query: query, Fetched: c.now().UTC(), Issues: issues})
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(c.Dir, ".entry-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), c.path(api, query)); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}
