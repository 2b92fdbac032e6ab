#pragma once

#include "AutoClient.h"
#include "StreamEntry.h"

namespace streamscope {

// Copies a pending entry to a dead-letter stream with where it came from, how often it was
// delivered and why it is there, and acknowledges it: it is never lost, and never copied twice.
// - One server, or a cluster where the dead-letter stream shares the source's hash slot: the
//   copy and the XACK are one MULTI/EXEC (never in both places).
// - A cluster where it does not (order-events -> order-events:dlq: MULTI cannot span slots):
//   first the copy, in one Lua step with a marker key in the dead-letter stream's slot
//   ({<dlq or its hash tag>}:dlq-moved:<stream>:<group>:<id>, kept a week) that remembers the
//   copy's ID; then the XACK. Never acknowledged before the copy is written; a retry after a
//   crash in between finds the marker, does not copy again and only acknowledges.
// Returns the dead-letter entry's ID.
struct DeadLetterRequest {
    QByteArray stream; // where the entry is pending
    QByteArray group;
    StreamEntry entry; // deleted: only the record of it is moved (dlq.deleted 1)
    qint64 deliveries = 0;
    QString reason;
    QByteArray consumer; // who gave up on it (informational)
    QByteArray target;   // default: <stream>:dlq
};

Result<QByteArray> deadLetter(RedisClient &connection, const DeadLetterRequest &request);

// The first step of deadLetter() across slots alone: the idempotent copy (with its marker), no
// XACK. Returns the copy's ID, the earlier copy's when there was one. For tests (a crash between
// copy and acknowledgement) and for callers that acknowledge by other means.
Result<QByteArray> deadLetterCopy(RedisClient &connection, const DeadLetterRequest &request);

// A dead-letter stream name in the source stream's hash slot, so that dead-lettering stays one
// MULTI/EXEC on a cluster: <stream>:dlq when the stream's name has a hash tag ({orders}:new ->
// {orders}:new:dlq), else {<stream>}:dlq ({order-events}:dlq hashes as "order-events", like
// order-events itself). The plain default <stream>:dlq of an untagged stream (order-events:dlq)
// is in another slot.
QByteArray sameSlotDeadLetterStream(const QByteArray &stream);
// The idempotent copy across slots, in one Lua step: XADD to KEYS[1] unless the marker KEYS[2]
// says it was done, and the marker (the copy's ID, kept ARGV[1] seconds) in the same step.
// ARGV[2...]: the fields. Returns {id, 1 when copied now}. Dead-lettering and redrive use it.
extern const char markedCopyScript[];

// The marker key of a cross-slot dead-lettering (see above); in target's slot.
QByteArray deadLetterMarker(const QByteArray &target, const QByteArray &stream,
                            const QByteArray &group, const QByteArray &id);

// What dead-lettering one pending entry by its ID did.
struct DeadLetterOutcome {
    enum class Kind {
        Moved,        // copied with its body, then acknowledged
        MovedDeleted, // the server said the entry no longer exists: its record was moved
        NotPending,   // not pending in the group (any more): nothing was done
    };
    Kind kind = Kind::NotPending;
    QByteArray deadLetterId;
};

// The repair behind the GUI's and the CLI's "dead-letter": checks that id is pending in group,
// reads its body and dead-letters it. Only an XRANGE that answers with no entry proves the entry
// deleted; any failure to read it (NOPERM, a lost connection...) is returned as the error and
// leaves the entry pending, with nothing added to the dead-letter stream.
Result<DeadLetterOutcome> deadLetterPending(RedisClient &connection, const QByteArray &stream,
                                            const QByteArray &group, const QByteArray &id,
                                            const QString &reason, const QByteArray &target = {});

} // namespace streamscope
