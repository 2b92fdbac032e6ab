#include "GroupStatus.h"

#include "ServerPoller.h"

#include <QDateTime>

namespace streamscope {

namespace {

constexpr int estimateBound = 1000; // entries counted at most for a lag estimate (before 7.0)

std::optional<qint64> optionalInteger(const RedisReply &flat, const char *key) {
    const RedisReply *f = flat.field(key);
    qint64 v = 0;
    if (f && f->toInteger(&v))
        return v;
    return std::nullopt;
}

GroupStatus groupFrom(const QByteArray &stream, const RedisReply &flat) {
    GroupStatus g;
    g.stream = stream;
    if (const RedisReply *n = flat.field("name"))
        g.name = n->bytes();
    g.consumers = optionalInteger(flat, "consumers").value_or(0);
    g.pending = optionalInteger(flat, "pending").value_or(0);
    if (const RedisReply *id = flat.field("last-delivered-id"))
        g.lastDeliveredId = StreamId::fromServer(id->bytes());
    g.entriesRead = optionalInteger(flat, "entries-read");
    g.lag = optionalInteger(flat, "lag");
    return g;
}

// Where the server gives no lag, say why, and estimate it where that is cheap and sound.
void explainLag(GroupStatus &g, const StreamInfo &s, bool serverHasLagField) {
    if (g.lag)
        return;
    if (!g.hasUndelivered(s)) {
        g.lag = 0;
        g.lagEstimated = !serverHasLagField;
        g.lagNote = serverHasLagField ? QString()
                                      : QStringLiteral("estimated: the group has read to the end");
        return;
    }
    if (s.firstEntryId && g.lastDeliveredId < *s.firstEntryId) {
        g.lag = s.length;
        g.lagEstimated = true;
        g.lagNote = QStringLiteral("estimated: every entry in the stream is after the group's "
                                   "last-delivered-id");
        return;
    }
    if (!serverHasLagField) {
        g.lagNote = QStringLiteral("servers before 7.0 report no lag");
        return; // the caller counts it (bounded)
    }
    if (!g.entriesRead)
        g.lagNote = QStringLiteral("unknown: the group was created or moved (SETID) to an "
                                   "arbitrary ID without ENTRIESREAD; it recovers once the group "
                                   "reads to the end");
    else if (s.maxDeletedEntryId && *s.maxDeletedEntryId > g.lastDeliveredId)
        g.lagNote = QStringLiteral("unknown: entries after the group's last-delivered-id were "
                                   "deleted; it recovers once the group reads to the end");
    else
        g.lagNote = QStringLiteral("unknown: the server reports no lag for this group");
}

} // namespace

int fetchServerVersion(RedisConnection &connection, QString *text, QString *mode) {
    auto info = connection.command({"INFO", "server"});
    if (!info.ok() || info->isError())
        return 0;
    const ServerInfo parsed = ServerInfo::fromInfo(info->bytes());
    if (text)
        *text = parsed.version;
    if (mode)
        *mode = parsed.mode;
    return parsed.versionNumber();
}

Result<StreamStatusList> fetchStreamStatus(RedisConnection &connection,
                                           const QList<QByteArray> &streams, int serverVersion) {
    const bool hasLagField = serverVersion == 0 || serverVersion >= 70000;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();

    QList<Command> first;
    for (const QByteArray &s : streams) {
        first.append({"XINFO", "STREAM", s});
        first.append({"XINFO", "GROUPS", s});
    }
    auto replies = connection.pipeline(first);
    if (!replies.ok())
        return replies.error();

    StreamStatusList out;
    for (qsizetype i = 0; i < streams.size(); ++i) {
        const RedisReply &info = replies.value()[size_t(2 * i)];
        const RedisReply &groups = replies.value()[size_t(2 * i + 1)];
        if (info.errorCode() == "NOPERM")
            return Error(Error::Kind::Server,
                         QStringLiteral("XINFO STREAM %1: %2")
                             .arg(QString::fromUtf8(streams.at(i)), info.errorMessage()));
        auto parsed = StreamInfo::fromReply(streams.at(i), info);
        if (!parsed)
            continue; // gone, or not a stream
        StreamStatus status;
        status.info = *parsed;
        status.sampledAtMs = now;
        if (groups.isArray())
            for (const RedisReply &g : groups.elements())
                status.groups.append(groupFrom(streams.at(i), g));
        out.append(std::move(status));
    }

    // Second round trip: per group, its consumers, pending summary, first undelivered entry.
    QList<Command> second;
    for (const StreamStatus &s : out)
        for (const GroupStatus &g : s.groups) {
            second.append({"XINFO", "CONSUMERS", s.info.name, g.name});
            second.append({"XPENDING", s.info.name, g.name});
            second.append({"XRANGE", s.info.name, g.lastDeliveredId.successor().toByteArray(), "+",
                           "COUNT", "1"});
        }
    // Before 7.0: count what is left to read, up to a bound.
    QList<QPair<qsizetype, qsizetype>> estimates;
    for (qsizetype si = 0; si < out.size(); ++si)
        for (qsizetype gi = 0; gi < out[si].groups.size(); ++gi) {
            GroupStatus &g = out[si].groups[gi];
            explainLag(g, out[si].info, hasLagField);
            if (!g.lag && !hasLagField) {
                estimates.append({si, gi});
                second.append({"XRANGE", out[si].info.name,
                               g.lastDeliveredId.successor().toByteArray(), "+", "COUNT",
                               QByteArray::number(estimateBound)});
            }
        }
    if (second.isEmpty())
        return out;
    auto more = connection.pipeline(second);
    if (!more.ok())
        return more.error();

    size_t r = 0;
    for (StreamStatus &s : out)
        for (GroupStatus &g : s.groups) {
            const RedisReply &consumers = more.value()[r++];
            const RedisReply &summary = more.value()[r++];
            const RedisReply &next = more.value()[r++];
            if (consumers.isArray())
                for (const RedisReply &c : consumers.elements()) {
                    ConsumerStatus cs;
                    if (const RedisReply *n = c.field("name"))
                        cs.name = n->bytes();
                    cs.pending = optionalInteger(c, "pending").value_or(0);
                    cs.idleMs = optionalInteger(c, "idle").value_or(0);
                    cs.inactiveMs = optionalInteger(c, "inactive");
                    g.consumerList.append(cs);
                }
            if (summary.isArray() && summary.size() >= 2 && summary.at(1).isString())
                g.oldestPendingId = StreamId::fromServer(summary.at(1).bytes());
            if (next.isArray() && next.size() > 0 && next.at(0).isArray())
                g.timeLagMs = qMax<qint64>(
                    0, now - qint64(StreamId::fromServer(next.at(0).at(0).bytes()).ms));
        }
    for (const auto &[si, gi] : estimates) {
        const RedisReply &counted = more.value()[r++];
        GroupStatus &g = out[si].groups[gi];
        g.lag = qint64(counted.size());
        g.lagEstimated = true;
        g.lagNote = counted.size() >= size_t(estimateBound)
                        ? QStringLiteral("estimated: at least %1 (servers before 7.0 report no "
                                         "lag; counting stops there)")
                              .arg(estimateBound)
                        : QStringLiteral("estimated by counting entries (servers before 7.0 "
                                         "report no lag)");
    }
    return out;
}

Result<PendingEntryList> fetchPending(RedisConnection &connection, const QByteArray &stream,
                                      const QByteArray &group, const QByteArray &start, int count,
                                      qint64 minIdleMs, const QByteArray &consumer) {
    Command cmd{"XPENDING", stream, group};
    if (minIdleMs > 0)
        cmd << "IDLE" << QByteArray::number(minIdleMs);
    cmd << start << "+" << QByteArray::number(count);
    if (!consumer.isEmpty())
        cmd << consumer;
    auto reply = connection.command(cmd);
    if (!reply.ok())
        return reply.error();
    if (reply->isError())
        return Error(
            Error::Kind::Server,
            QStringLiteral("XPENDING %1 %2: %3")
                .arg(QString::fromUtf8(stream), QString::fromUtf8(group), reply->errorMessage()));
    PendingEntryList out;
    for (const RedisReply &p : reply->elements())
        if (p.isArray() && p.size() >= 4)
            out.append({StreamId::fromServer(p.at(0).bytes()), p.at(1).bytes(), p.at(2).integer(),
                        p.at(3).integer()});
    return out;
}

} // namespace streamscope
