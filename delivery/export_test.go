package delivery

// SetTestParking has q call f when a dispatcher has found nothing to send
// and is about to stop; call it before any printer comes online.
func SetTestParking(q *Queue, f func(printerID int64)) { q.testParking = f }
