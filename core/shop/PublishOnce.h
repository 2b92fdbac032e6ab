#pragma once

#include "AutoClient.h"

namespace streamscope::shop {

// XADD that happens at most once per key, optionally with an XACK in the same atomic step
// (a Lua script): the marker key remembers the entry ID it published for a week. With it a
// service can retry after any crash without publishing an event twice.
class PublishOnce {
public:
    struct Request {
        QByteArray stream;
        QByteArray marker; // e.g. shop:payment-published:4711
        QList<QByteArray> fields;
        QByteArray ackStream; // optional: XACK ackStream ackGroup ackId in the same step
        QByteArray ackGroup;
        QByteArray ackId;
    };

    Error load(RedisClient &connection);
    // One reply per request, in order: the entry ID (new or the one published before), or an
    // error reply for that request. Fails only when the connection does.
    Result<std::vector<RedisReply>> run(RedisClient &connection, const QList<Request> &batch);

private:
    QByteArray m_sha;
};

} // namespace streamscope::shop
