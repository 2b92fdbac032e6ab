#pragma once

#include "RedisConnection.h"
#include "StreamEntry.h"

namespace streamscope {

// Copies a pending entry to a dead-letter stream with where it came from, how often it was
// delivered and why it is there, and acknowledges it, in one MULTI/EXEC: it is never lost and
// never in both places. Returns the dead-letter entry's ID.
struct DeadLetterRequest {
    QByteArray stream; // where the entry is pending
    QByteArray group;
    StreamEntry entry;
    qint64 deliveries = 0;
    QString reason;
    QByteArray consumer; // who gave up on it (informational)
    QByteArray target;   // default: <stream>:dlq
};

Result<QByteArray> deadLetter(RedisConnection &connection, const DeadLetterRequest &request);

} // namespace streamscope
