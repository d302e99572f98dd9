// Package queue is vendorflow's embedded durable queue: a single SQLite file
// (pure-Go driver modernc.org/sqlite) holding any number of named queues with
// the Azure Service Bus semantics that the Functions Service Bus trigger relies
// on. `vendorflow dev` feeds its local Functions-compatible host from it.
//
// Semantics (REFERENCE.md §1 "What the handler returns"; DOCS
// https://learn.microsoft.com/azure/service-bus-messaging/message-transfers-locks-settlement
// and https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger#peeklock-behavior):
//
//   - Peek-lock: [Queue.Receive] locks up to n visible messages, oldest sequence
//     number first, for [Config.LockDuration], and increments their
//     DeliveryCount. Each delivery carries a fresh LockToken; only that token
//     settles the message ([Queue.Complete], [Queue.Abandon],
//     [Queue.DeadLetter], [Queue.RenewLock]), and only while the lock holds —
//     otherwise [ErrLockLost].
//   - Abandon unlocks at once, so the message is redelivered immediately with
//     DeliveryCount+1. A lock that simply expires has the same effect.
//   - A message that has been delivered MaxDeliveryCount times (default 10) and
//     is abandoned or whose lock expires is moved to the dead-letter subqueue
//     with reason [ReasonMaxDeliveryCountExceeded] instead of being delivered
//     again. (DOCS service-bus-dead-letter-queues#maximum-delivery-count)
//   - Scheduled messages (Message.ScheduledEnqueueTime in the future) are
//     invisible to Receive until that time; their EnqueuedTime is the
//     scheduled time. (DOCS message-sequencing#scheduled-messages)
//   - Duplicate detection: a Send whose MessageID was accepted on the same
//     queue within [Config.DuplicateDetectionWindow] is dropped silently and
//     reported as SendResult.Duplicate, carrying the original's sequence
//     number. The window runs from the accepted send; dropped duplicates do not
//     extend it. (DOCS duplicate-detection)
//   - Time to live: ExpiresAt = EnqueuedTime + TTL (Message.TimeToLive, else
//     [Config.DefaultTTL], default 14 days). An expired message is moved to the
//     dead-letter subqueue with reason [ReasonTTLExpired]
//     ("TTLExpiredException"), i.e. the behaviour of a Service Bus queue with
//     "dead-lettering on message expiration" enabled. As in Service Bus,
//     expiry is applied lazily: a locked message is not expired under its
//     holder; expired messages are moved by the next Receive, Peek, Counts,
//     NextVisible or DeadLetters call on that queue.
//     (DOCS message-expiration)
//   - Dead-letter subqueue: [Queue.DeadLetters] lists with a [Filter],
//     [Queue.ReplayDeadLetters] moves messages back as new messages (new
//     sequence number, DeliveryCount 0, same MessageID, body and properties)
//     and [Queue.PurgeDeadLetters] deletes them. A replay never passes through
//     duplicate detection: it is a move inside the store, not a Send, and it
//     neither consults nor refreshes the duplicate-detection history. (Against
//     real Service Bus, resubmitting with the same MessageID inside the window
//     would be dropped; this store deliberately differs so that ops can replay
//     at any time.)
//
// Durability and concurrency: every state change is one SQLite transaction
// begun with BEGIN IMMEDIATE, on a database in WAL mode with a busy timeout, so
// several goroutines and several processes (each with its own [Open]) can share
// one file. Lock tokens and lock expiry times live in the file, so a process
// that dies holding locks loses nothing: the locks expire and the messages are
// redelivered. Times are read from the injected Config.Clock inside each
// transaction and stored as Unix nanoseconds.
//
// Schema migrations are embedded (migrations/*.sql) and applied by
// pkg/sqlitedb (the journal's mechanism too) in name order,
// each in its own transaction, and recorded with a SHA-256 checksum; a changed
// or unknown applied migration makes [Open] fail with [ErrMigrationChecksum] or
// [ErrMigrationUnknown].
package queue
