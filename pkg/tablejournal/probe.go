package tablejournal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// probePartition holds the rows Probe writes; no account key can equal
// it (account keys are lower-cased UPNs, which hold an '@').
const probePartition = "~probe"

// Probe proves the journal reachable and writable, as `vendorflow doctor`
// needs: it reads the Accounts table, then adds a row to it under its own
// partition and deletes that row again. It leaves nothing behind unless
// the delete itself fails, which it reports.
func (j *Journal) Probe(ctx context.Context) error {
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return fmt.Errorf("journal probe: %w", err)
	}
	row := entity{PartitionKey: probePartition, RowKey: "doctor-" + hex.EncodeToString(nonce[:])}
	var seen entity
	if _, _, err := get(ctx, j.accounts, row.PartitionKey, row.RowKey, &seen); err != nil {
		return classify("probe: read", err)
	}
	if _, err := add(ctx, j.accounts, row); err != nil {
		return classify("probe: write", err)
	}
	if _, err := j.accounts.DeleteEntity(ctx, row.PartitionKey, row.RowKey, nil); err != nil {
		return classify("probe: delete the probe row "+row.RowKey, err)
	}
	return nil
}
