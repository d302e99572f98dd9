package producer_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/producer"
)

// A procurement system onboards a vendor person. The configuration is the
// demo tenant with the embedded queue in a temporary directory; with
// queue.serviceBusNamespace set (ServiceBusConnection__fullyQualifiedNamespace)
// the same code sends to Azure Service Bus. The retry, as after a crash
// between sending and recording it, is dropped as a duplicate; a request
// the handler would refuse is refused before anything is sent.
func Example() {
	dir, err := os.MkdirTemp("", "producer-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	cfg, err := config.Load("", nil) // the demo tenant; yours: config.Load("vendorflow.yaml", os.LookupEnv)
	if err != nil {
		log.Fatal(err)
	}
	cfg.Queue.Path = filepath.Join(dir, "queue.db")
	ctx := context.Background()
	p, err := producer.Open(ctx, producer.Config{
		Config: cfg,
		// A fixed day keeps this example's output stable; leave Clock unset.
		Clock: clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	req := domain.OnboardRequest{
		Vendor:   "Vendor1",
		Person:   domain.Person{GivenName: "Ada", Surname: "Lovelace", Email: "ada@vendor1.com"},
		Contract: domain.Period{Start: "2026-03-01", End: "2026-08-31"},
		Sponsor:  "pat.sponsor@ABC.com",
	}
	for range 2 {
		sent, err := p.Onboard(ctx, req)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s on %s, dropped as duplicate: %v\n", sent.RequestID, sent.Queue, sent.Duplicate)
	}

	req.Person.Email = "ada@gmail.com"
	_, err = p.Onboard(ctx, req)
	fmt.Println(domain.ErrorCode(err), "-", domain.ErrorMessage(err))
	// Output:
	// onboard-Vendor1-8d9ff1f3f09bb9899e1eb59d on vendorflow-onboard, dropped as duplicate: false
	// onboard-Vendor1-8d9ff1f3f09bb9899e1eb59d on vendorflow-onboard, dropped as duplicate: true
	// invalid - invalid onboard request; person.email: domain "gmail.com" is not allowed for vendor Vendor1 (allowed: vendor1.com)
}
