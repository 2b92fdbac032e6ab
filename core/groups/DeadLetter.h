#pragma once

#include "AutoClient.h"
#include "StreamEntry.h"

namespace streamscope {

// Copies a pending entry to a dead-letter stream with where it came from, how often it was
// delivered and why it is there, and acknowledges it, in one MULTI/EXEC: it is never lost and
// never in both places. Returns the dead-letter entry's ID.
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
