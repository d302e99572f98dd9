package sqlitedb

// Prepared is the number of statements the cache holds.
func (s *Statements) Prepared() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.stmts)
}
