package graph

import "time"

// SetJitter replaces the backoff jitter so that tests can assert waits.
func SetJitter(c *Client, f func(time.Duration) time.Duration) { c.retry.jitter = f }

// ParseRetryAfter exposes parseRetryAfter to the tests.
var ParseRetryAfter = parseRetryAfter

// BaseURL returns the base URL the client was built with.
func (c *Client) BaseURL() string { return c.cfg.BaseURL }
