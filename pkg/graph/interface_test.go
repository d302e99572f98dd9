package graph_test

import (
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/graph"
)

// The adapter must keep satisfying the port the engine owns.
var _ engine.Directory = (*graph.Client)(nil)
