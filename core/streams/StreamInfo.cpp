#include "StreamInfo.h"

#include <algorithm>

namespace streamscope {

namespace {

std::optional<StreamId> idField(const RedisReply &reply, const char *key) {
    const RedisReply *f = reply.field(key);
    if (!f || !f->isString())
        return std::nullopt;
    return StreamId::fromServer(f->bytes());
}

std::optional<StreamId> entryIdField(const RedisReply &reply, const char *key) {
    const RedisReply *f = reply.field(key);
    if (!f || !f->isArray() || f->size() < 1)
        return std::nullopt;
    return StreamId::fromServer(f->at(0).bytes());
}

} // namespace

std::optional<StreamInfo> StreamInfo::fromReply(const QByteArray &name, const RedisReply &reply) {
    const RedisReply *length = reply.field("length");
    if (!reply.isArray() || !length)
        return std::nullopt;
    StreamInfo info;
    info.name = name;
    length->toInteger(&info.length);
    if (const RedisReply *g = reply.field("groups"))
        g->toInteger(&info.groups);
    info.lastGeneratedId = idField(reply, "last-generated-id").value_or(StreamId());
    info.firstEntryId = entryIdField(reply, "first-entry");
    info.lastEntryId = entryIdField(reply, "last-entry");
    info.maxDeletedEntryId = idField(reply, "max-deleted-entry-id");
    info.recordedFirstEntryId = idField(reply, "recorded-first-entry-id");
    qint64 added = 0;
    if (const RedisReply *a = reply.field("entries-added"); a && a->toInteger(&added))
        info.entriesAdded = added;
    return info;
}

Result<StreamInfoList> describeStreams(RedisClient &connection,
                                       const QList<QByteArray> &names) {
    StreamInfoList result;
    constexpr qsizetype chunk = 200; // bounded pipelines: big enough to amortise a round trip
    for (qsizetype start = 0; start < names.size(); start += chunk) {
        QList<Command> commands;
        const qsizetype end = qMin(names.size(), start + chunk);
        for (qsizetype i = start; i < end; ++i)
            commands.append({"XINFO", "STREAM", names.at(i)});
        auto replies = connection.pipeline(commands);
        if (!replies.ok())
            return replies.error();
        for (qsizetype i = start; i < end; ++i) {
            const RedisReply &reply = replies.value()[size_t(i - start)];
            if (reply.errorCode() == "NOPERM")
                return Error(Error::Kind::Server,
                             QStringLiteral("XINFO STREAM %1: %2")
                                 .arg(QString::fromUtf8(names.at(i)), reply.errorMessage()));
            if (auto info = StreamInfo::fromReply(names.at(i), reply))
                result.append(std::move(*info));
        }
    }
    return result;
}

Result<QList<QByteArray>> scanStreamNames(RedisClient &connection, const QByteArray &pattern,
                                          int maxKeys, int maxScanCalls, bool *truncated) {
    QList<QByteArray> names;
    QByteArray cursor = "0";
    int calls = 0;
    *truncated = false;
    do {
        if (++calls > maxScanCalls || names.size() >= maxKeys) {
            *truncated = true;
            break;
        }
        auto reply = connection.command({"SCAN", cursor, "MATCH",
                                         pattern.isEmpty() ? QByteArray("*") : pattern, "COUNT",
                                         "1000", "TYPE", "stream"});
        if (!reply.ok())
            return reply.error();
        if (reply->isError())
            return Error(Error::Kind::Server,
                         QStringLiteral("SCAN failed: %1").arg(reply->errorMessage()));
        if (!reply->isArray() || reply->size() != 2 || !reply->at(1).isArray())
            return Error(Error::Kind::Protocol,
                         QStringLiteral("unexpected SCAN reply: %1").arg(reply->toDebugString()));
        cursor = reply->at(0).bytes();
        for (const RedisReply &key : reply->at(1).elements())
            names.append(key.bytes());
    } while (cursor != "0");

    // SCAN may return a key more than once.
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    if (names.size() > maxKeys) {
        names.resize(maxKeys);
        *truncated = true;
    }
    return names;
}

Result<StreamListing> listStreams(RedisClient &connection, const QByteArray &pattern,
                                  int maxKeys, int maxScanCalls) {
    StreamListing listing;
    auto names = scanStreamNames(connection, pattern, maxKeys, maxScanCalls, &listing.truncated);
    if (!names.ok())
        return names.error();
    auto infos = describeStreams(connection, names.value());
    if (!infos.ok())
        return infos.error();
    listing.streams = std::move(infos).value();
    return listing;
}

} // namespace streamscope
