// The Service Bus namespace and vendorflow's three queues. Standard tier:
// Basic has neither duplicate detection nor scheduled messages, which
// vendorflow relies on (../shared/REFERENCE.md §4 "Service Bus").
// Local (SAS) authentication is off: the host and vendorflow use the
// identity with the Data Sender and Data Receiver roles (rbac.bicep).
param name string
param location string
param tags object
param onboardQueueName string
param offboardQueueName string
param parkingQueueName string

// Settings shared by the three queues; duplicate detection can only be
// turned on when a queue is created
// (learn.microsoft.com/azure/service-bus-messaging/duplicate-detection).
var queueSettings = {
  requiresDuplicateDetection: true
  // Duplicate detection window: PT2H.
  //
  // What must collapse, and how far apart its copies arrive:
  // - Two deliveries of one message that each schedule the same retry
  //   (handler.RetryMessageID hashes the delivered id and attempt) or the
  //   same deferral (handler.DeferMessageID): a delivery whose handler
  //   crashed after sending is redelivered once its lock lapses. Consecutive
  //   deliveries are at most maxAutoLockRenewalDuration + lockDuration =
  //   5 + 1 = 6 min apart, so all maxDeliveryCount (10) deliveries of one
  //   message fall within 60 min.
  // - A replay repeated after a crash (handler.ReplayMessageID, the same
  //   "<id>-replay-<seq>"): minutes.
  // - A producer resending a request after a timeout or an outage (the
  //   message id is its requestId): seconds to an hour or two. Later
  //   resends still reach the journal, whose requestId idempotency makes
  //   them no-ops; the window is the first line, not the authority.
  // - Overlapping expiry sweeps (deterministic "offboard-<upn>-<end>" ids):
  //   a retried or past-due run, within the hour.
  // What must NOT be swallowed: every new message of a request's history
  // has a fresh id (each retry hashes its own predecessor's id, each
  // deferral the delivered id, each replay carries a new sequence number),
  // so no window length drops one of them; only exact repeats are dropped.
  // The one legitimate repeat is the next day's sweep re-sending an offboard
  // for an account that is still enabled (its earlier offboard was
  // dead-lettered): the daily schedule makes up for it only if the window
  // is under 24 h. PT2H covers a message's whole delivery history twice
  // over and stays well under a day. (Range 20 s to 7 days, default 10 min.)
  duplicateDetectionHistoryTimeWindow: 'PT2H'
  // Lock duration: PT1M, under the Standard tier's 5 min maximum. host.json
  // renews the lock for up to maxAutoLockRenewalDuration (5 min), and the
  // handler puts a deadline under 5 min on each message, rescheduling what
  // is left; a lock shorter than the renewal period is what makes renewal
  // matter (the SDK's guidance: the renewal duration should exceed the lock
  // duration, learn.microsoft.com/dotnet/api/azure.messaging.servicebus.servicebusprocessoroptions.maxautolockrenewalduration).
  // So a message is held at most 5 + 1 = 6 min, inside functionTimeout
  // (10 min), and a message whose instance died returns after at most
  // 1 min, about when that run's journal lease (journal.leaseTtl, 1m) lapses.
  lockDuration: 'PT1M'
  // Abandons (crash, timeout, non-2xx) before the broker dead-letters the
  // message; the handler's own retries are new messages and do not count.
  // The Service Bus default; the window above is sized for it.
  maxDeliveryCount: 10
  // Expired messages go to the dead-letter subqueue, where
  // `vendorflow deadletters list` finds them.
  defaultMessageTimeToLive: 'P14D'
  deadLetteringOnMessageExpiration: true
  requiresSession: false
  enablePartitioning: false
}

// Parameters verified in avm/res/service-bus/namespace/0.17.0 main.bicep
// (queues[]: its queueType). authorizationRules keeps the module's default
// RootManageSharedAccessKey because the module's outputs list its keys;
// with disableLocalAuth those keys authenticate nothing.
module namespace 'br/public:avm/res/service-bus/namespace:0.17.0' = {
  name: 'servicebus-namespace'
  params: {
    name: name
    location: location
    tags: tags
    skuObject: {
      name: 'Standard'
    }
    zoneRedundant: false
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    queues: [
      union(queueSettings, { name: onboardQueueName })
      union(queueSettings, { name: offboardQueueName })
      union(queueSettings, { name: parkingQueueName })
    ]
  }
}

output name string = namespace.outputs.name
// serviceBusEndpoint is https://NAME.servicebus.windows.net:443/; the
// connection setting takes the host name alone.
output fullyQualifiedNamespace string = split(split(split(namespace.outputs.serviceBusEndpoint, '//')[1], '/')[0], ':')[0]
