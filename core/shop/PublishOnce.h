#pragma once

#include "AutoClient.h"

namespace streamscope::shop {

// XADD that happens at most once per key: the marker key remembers the entry ID it published
// for a week, set in the same Lua step as the XADD. With it a service can retry after any crash
// without publishing an event twice. The marker must share the stream's hash slot (on a cluster
// a script's keys must): name it under the stream's hash tag, e.g. {payment-events}:published:42
// for payment-events (which hashes as "payment-events").
//
// Optionally an entry of another stream is acknowledged: in the same step when that stream
// shares the slot (always on one server), else right after the publication succeeded (a cluster
// cannot run one script across slots). A crash in between leaves that entry pending; whoever
// retries it finds the marker, publishes nothing and acknowledges.
//
// On a cluster the publication is on a replica (WAIT 1, at most replicaWaitMs) before run()
// returns or acknowledges across slots: a SIGKILLed primary does not take an event with it
// whose order was already acknowledged or marked published. Through Sentinel the same, and a
// publication no replica confirmed (while the sentinels list one up) fails as a transport error:
// the caller keeps its entries pending and retries (the marker keeps it to one event).
class PublishOnce {
public:
    static constexpr int replicaWaitMs = 1000;

    struct Request {
        QByteArray stream;
        QByteArray marker; // e.g. {payment-events}:published:4711
        QList<QByteArray> fields;
        QByteArray ackStream; // optional: XACK ackStream ackGroup ackId
        QByteArray ackGroup;
        QByteArray ackId;
    };

    // Loads the script on every primary that answers: the early check that the user may run
    // scripts, and EVALSHA hits at once. Not required: a node that does not know it gets EVAL.
    Error load(RedisClient &connection);
    // One reply per request, in order: the entry ID (new or the one published before), or an
    // error reply for that request (then its entry is not acknowledged). Fails only when the
    // connection does.
    Result<std::vector<RedisReply>> run(RedisClient &connection, const QList<Request> &batch);
};

} // namespace streamscope::shop
