package journal

import "github.com/vendorflow/vendorflow/pkg/domain"

// MaxMessageLen is domain.MaxMessageLen: FailStep and SetStatus cut longer
// error and reason texts with domain.CutMessage.
const MaxMessageLen = domain.MaxMessageLen

func cut(s string) string { return domain.CutMessage(s) }
