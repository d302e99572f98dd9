package domain

import "embed"

// Schemas holds the JSON Schemas published for producers:
// schema/onboard.schema.json and schema/offboard.schema.json.
//
//go:embed schema/*.json
var Schemas embed.FS
