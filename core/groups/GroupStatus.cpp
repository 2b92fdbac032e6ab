#include "GroupStatus.h"

#include "Health.h"
#include "ServerPoller.h"

#include <QDateTime>
#include <QSet>

namespace streamscope {

namespace {

constexpr int estimateBound = 1000; // entries counted at most for a lag estimate (before 7.0)
// On a replica entries come whole with the count, every poll of a group that is behind: fewer.
constexpr int replicaCountBound = 100;

GroupStatus groupFrom(const QByteArray &stream, const RedisReply &flat) {
    GroupStatus g;
    g.stream = stream;
    if (const RedisReply *n = flat.field("name"))
        g.name = n->bytes();
    g.consumers = flat.integerField("consumers").value_or(0);
    g.pending = flat.integerField("pending").value_or(0);
    if (const RedisReply *id = flat.field("last-delivered-id"))
        g.lastDeliveredId = StreamId::fromServer(id->bytes());
    g.entriesRead = flat.integerField("entries-read");
    g.lag = flat.integerField("lag");
    if (g.lastDeliveredId.isMax() && g.lag.value_or(0) != 0) {
        // Nothing can come after the greatest ID, whatever entries-read says (SETID ... ENTRIESREAD
        // 0 makes the server count every entry): asking XRANGE for what follows it would find the
        // last entry itself and call it unread.
        g.lag = 0;
        g.lagNote = QStringLiteral("the group's last-delivered-id is the greatest ID: nothing "
                                   "comes after it (the server reported a lag of %1)")
                        .arg(*flat.integerField("lag"));
    }
    return g;
}

// A replica does not keep a group's entries-read current: 7.0.15 keeps what its last full sync
// copied (the primary says entries-read 5, lag 4; the replica 2 and 7), or nil for a group
// created since. A lag derived from it is wrong, so both go; without entries-read the server
// derives the lag from the stream alone (0 when read to the end), which holds on a replica.
void distrustEntriesRead(GroupStatus &g) {
    if (!g.entriesRead)
        return;
    g.entriesRead.reset();
    if (g.lastDeliveredId.isMax())
        return; // nothing can follow it: 0 whatever entries-read says (groupFrom)
    g.lag.reset();
    g.lagNote.clear();
}

// Where the server gives no lag, say why, and estimate it where that is cheap and sound.
void explainLag(GroupStatus &g, const StreamInfo &s, bool serverHasLagField, bool onReplica) {
    if (g.lag)
        return;
    if (onReplica) {
        // The stream figures may be older than the group's (the poller describes streams
        // less often): only a count of what follows last-delivered-id is sure.
        g.lagNote = QStringLiteral("unknown: the replica does not track entries-read: ask the "
                                   "primary");
        return; // the caller counts it (bounded)
    }
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
        g.lagNote = QStringLiteral("unknown: the server does not know how many entries the "
                                   "group has read (the group was moved with SETID without "
                                   "ENTRIESREAD, or this server was a replica promoted in a "
                                   "failover); it recovers once the group reads to the end");
    else if (s.maxDeletedEntryId && *s.maxDeletedEntryId > g.lastDeliveredId)
        g.lagNote = QStringLiteral("unknown: entries after the group's last-delivered-id were "
                                   "deleted; it recovers once the group reads to the end");
    else
        g.lagNote = QStringLiteral("unknown: the server reports no lag for this group");
}

} // namespace

int fetchServerVersion(RedisClient &connection, QString *text, QString *mode,
                       QString *unknownReason) {
    // INFO acts on one node: on a cluster one primary answers for all (same version, mode).
    auto info = commandOnOnePrimary(connection, {"INFO", "server"});
    if (!info.ok() || info->isError()) {
        if (unknownReason)
            *unknownReason =
                info.ok() ? versionUnknownText(connection, info.value()) : info.error().message;
        return 0;
    }
    const ServerInfo parsed = ServerInfo::fromInfo(info->bytes());
    if (text)
        *text = parsed.version;
    if (mode)
        *mode = parsed.mode;
    return parsed.versionNumber();
}

QString versionUnknownText(const RedisClient &connection, const RedisReply &reply) {
    if (reply.errorCode() != "NOPERM")
        return QStringLiteral("INFO failed: %1").arg(reply.errorMessage());
    return QStringLiteral("no permission: %1")
        .arg(explainRefusal(reply.errorMessage(), connection.settings().user));
}

namespace {

// The user's name as the server knows it, for advice on a refusal.
QString aclUser(const RedisClient &connection) {
    return connection.settings().user.isEmpty() ? QStringLiteral("default")
                                                : connection.settings().user;
}

// The server's error for a whole poll (the user lacks a right), or nothing: other errors
// (the key went, or is not a stream) concern that stream only.
Error refusal(const RedisReply &reply, const char *command, const QByteArray &stream) {
    if (reply.errorCode() != "NOPERM")
        return {};
    return Error(Error::Kind::Server,
                 QStringLiteral("%1 %2: %3")
                     .arg(QLatin1String(command), QString::fromUtf8(stream), reply.errorMessage()));
}

// An error about a stream that is not "there is no such stream": its node did not answer for
// it (MOVED the client could not follow, CLUSTERDOWN, LOADING), so calling it absent would be
// wrong (`groups` once said "no stream called ..." for a stream on another cluster node).
Error notAnswered(const RedisReply &reply, const char *command, const QByteArray &stream) {
    if (!reply.isError() || isNoSuchStream(reply))
        return {};
    return Error(Error::Kind::Server,
                 QStringLiteral("%1 %2: %3")
                     .arg(QLatin1String(command), QString::fromUtf8(stream), reply.errorMessage()));
}

// The lag of a group on a replica from XRANGE (last-delivered-id + COUNT bound: exact below the
// bound, "at least" at it, unknown with the reason when the count failed.
// failure: the count's error, explained.
void countedOnReplica(GroupStatus &g, const RedisReply &counted, int bound, qint64 now,
                      const QString &failure) {
    if (!counted.isArray()) {
        g.lagNote = QStringLiteral("unknown: the replica does not track entries-read: ask the "
                                   "primary (counting the entries after last-delivered-id "
                                   "failed: %1)")
                        .arg(failure.isEmpty() ? QStringLiteral("no answer") : failure);
        return;
    }
    g.lag = qint64(counted.size());
    g.lagEstimated = counted.size() >= size_t(bound);
    g.lagNote = g.lagEstimated
                    ? QStringLiteral("estimated: at least %1 (the replica does not track "
                                     "entries-read, so the entries after last-delivered-id were "
                                     "counted, up to %1; the primary knows the exact lag)")
                          .arg(bound)
                    : QStringLiteral("counted: the replica does not track entries-read, so the "
                                     "entries after last-delivered-id were counted");
    // The first of them is the oldest not yet delivered, even where the stream figures were
    // too old to tell there was one.
    if (g.timeLagMs == 0 && counted.size() > 0 && counted.at(0).isArray())
        g.timeLagMs =
            qMax<qint64>(0, now - qint64(StreamId::fromServer(counted.at(0).at(0).bytes()).ms));
}

// What is unknown because access says the user may not run command ("" when it may).
QString deniedText(const Permissions *access, const QByteArray &command) {
    if (!access || access->allows(command))
        return {};
    return QStringLiteral("unknown: no permission (%1)").arg(access->whyNot(command));
}

// Second round trip: per group, its consumers, pending summary and (when it has undelivered
// entries and the cache cannot tell) the first undelivered entry. What access says the user may
// not run is not sent: it would only be refused again (and fill the server's ACL LOG).
Result<StreamStatusList> fetchGroupDetails(RedisClient &connection, StreamStatusList out,
                                           bool hasLagField, bool onReplica, qint64 now,
                                           TimeLagCache *cache, const Permissions *access) {
    const QString noPending = deniedText(access, "XPENDING");
    const QString noRange = deniedText(access, "XRANGE");
    QList<Command> second;
    QList<QPair<GroupStatus *, qint64>> asked; // group, stream length: first undelivered asked
    // Only what XINFO GROUPS did not answer already: a group without consumers has no consumer
    // list, and one with nothing pending no oldest pending entry (a quarter of the commands
    // for `doctor` over many streams). Both figures are as of XINFO GROUPS, as the rest.
    auto asksConsumers = [](const GroupStatus &g) { return g.consumers > 0; };
    auto asksSummary = [&](const GroupStatus &g) { return noPending.isEmpty() && g.pending > 0; };
    for (StreamStatus &s : out)
        for (GroupStatus &g : s.groups) {
            if (asksConsumers(g))
                second.append({"XINFO", "CONSUMERS", s.info.name, g.name});
            if (asksSummary(g))
                second.append({"XPENDING", s.info.name, g.name});
            else if (!noPending.isEmpty())
                g.pendingUnknown = noPending;
        }
    for (StreamStatus &s : out)
        for (GroupStatus &g : s.groups) {
            const bool undelivered = g.hasUndelivered(s.info) || g.lag.value_or(0) > 0;
            if (!undelivered)
                continue;
            if (!noRange.isEmpty()) {
                g.timeLagUnknown = noRange;
                continue;
            }
            if (cache) {
                if (auto known = cache->lookup(s.info, g)) {
                    g.timeLagMs = qMax<qint64>(0, now - qint64(known->ms));
                    continue;
                }
            }
            asked.append({&g, s.info.length});
            second.append({"XRANGE", s.info.name, g.lastDeliveredId.successor().toByteArray(), "+",
                           "COUNT", "1"});
        }
    // Before 7.0, and on a replica: count what is left to read, up to a bound.
    QList<QPair<qsizetype, qsizetype>> estimates;
    const int bound = onReplica && hasLagField ? replicaCountBound : estimateBound;
    for (qsizetype si = 0; si < out.size(); ++si)
        for (qsizetype gi = 0; gi < out[si].groups.size(); ++gi) {
            GroupStatus &g = out[si].groups[gi];
            explainLag(g, out[si].info, hasLagField, onReplica && hasLagField);
            const bool count = !g.lag && (!hasLagField || onReplica);
            if (count && !noRange.isEmpty()) {
                g.lagNote = onReplica && hasLagField
                                ? QStringLiteral("%1; the replica does not track entries-read: "
                                                 "ask the primary")
                                      .arg(noRange)
                                : noRange;
                continue;
            }
            if (count) {
                estimates.append({si, gi});
                second.append({"XRANGE", out[si].info.name,
                               g.lastDeliveredId.successor().toByteArray(), "+", "COUNT",
                               QByteArray::number(bound)});
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
            static const RedisReply notAsked;
            const RedisReply &consumers = asksConsumers(g) ? more.value()[r++] : notAsked;
            const RedisReply &summary = asksSummary(g) ? more.value()[r++] : notAsked;
            if (Error e = refusal(consumers, "XINFO CONSUMERS", s.info.name))
                return e;
            if (summary.errorCode() == "NOPERM")
                // The rest of the group is still right: only the oldest pending entry is unknown.
                g.pendingUnknown =
                    QStringLiteral("unknown: no permission (%1)")
                        .arg(explainRefusal(summary.errorMessage(), aclUser(connection)));
            if (consumers.isArray())
                for (const RedisReply &c : consumers.elements()) {
                    ConsumerStatus cs;
                    if (const RedisReply *n = c.field("name"))
                        cs.name = n->bytes();
                    cs.pending = c.integerField("pending").value_or(0);
                    cs.idleMs = c.integerField("idle").value_or(0);
                    cs.inactiveMs = c.integerField("inactive");
                    g.consumerList.append(cs);
                }
            if (summary.isArray() && summary.size() >= 2 && summary.at(1).isString())
                g.oldestPendingId = StreamId::fromServer(summary.at(1).bytes());
        }
    for (const auto &[g, streamLength] : asked) {
        const RedisReply &next = more.value()[r++];
        if (next.errorCode() == "NOPERM") {
            // Never 0 ms: the entry's age is simply not known.
            g->timeLagUnknown = QStringLiteral("unknown: no permission (%1)")
                                    .arg(explainRefusal(next.errorMessage(), aclUser(connection)));
            continue;
        }
        std::optional<StreamId> first;
        if (next.isArray() && next.size() > 0 && next.at(0).isArray())
            first = StreamId::fromServer(next.at(0).at(0).bytes());
        if (first)
            g->timeLagMs = qMax<qint64>(0, now - qint64(first->ms));
        else if (next.isArray() && g->lag.value_or(0) > 0 && !g->lagEstimated) {
            // Nothing follows last-delivered-id (asked after XINFO GROUPS, so nothing did then
            // either): the server's count is off. It is entries-read minus entries-added, and a
            // replica promoted after its primary was killed keeps the group's old entries-read.
            g->lagNote = QStringLiteral("nothing follows the group's last-delivered-id, so "
                                        "nothing is left to read; the server counted %1 (its "
                                        "entries-read no longer matches the stream, as after a "
                                        "failover)")
                             .arg(*g->lag);
            g->lag = 0;
        }
        if (cache && !next.isError())
            cache->remember(*g, first, streamLength);
    }
    for (const auto &[si, gi] : estimates) {
        const RedisReply &counted = more.value()[r++];
        GroupStatus &g = out[si].groups[gi];
        if (onReplica && hasLagField) {
            countedOnReplica(g, counted, bound, now,
                             counted.isError()
                                 ? explainRefusal(counted.errorMessage(), aclUser(connection))
                                 : QString());
            continue;
        }
        if (counted.isError()) {
            g.lagNote = QStringLiteral("unknown: counting the entries failed (%1)")
                            .arg(explainRefusal(counted.errorMessage(), aclUser(connection)));
            continue;
        }
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

// Whether the role must be asked (INFO replication, in the caller's first round trip). On a
// cluster the client reads from primaries.
bool roleToAsk(const RedisClient &connection, ServerRole *role) {
    if (connection.topology() == RedisClient::Topology::Cluster)
        *role = ServerRole::Primary;
    return *role == ServerRole::Unknown;
}

// A refused INFO leaves the role unknown: the server's lag is taken as it comes, as before.
ServerRole answeredRole(const RedisReply &info) {
    return info.isError() ? ServerRole::Unknown : ReplicationState::fromInfo(info.bytes()).role;
}

} // namespace

std::optional<StreamId> TimeLagCache::lookup(const StreamInfo &stream,
                                             const GroupStatus &group) const {
    const auto it = m_known.constFind(groupKey(group.stream, group.name));
    if (it == m_known.cend() || it->lastDeliveredId != group.lastDeliveredId)
        return std::nullopt;
    if (!it->firstUndelivered)
        return std::nullopt; // there was none then; there is one now
    // Still the first undelivered entry unless it was trimmed or deleted since.
    if (stream.firstEntryId && *it->firstUndelivered < *stream.firstEntryId)
        return std::nullopt;
    if (stream.maxDeletedEntryId && *stream.maxDeletedEntryId >= *it->firstUndelivered)
        return std::nullopt;
    if (!stream.maxDeletedEntryId && stream.length != it->streamLength)
        return std::nullopt; // before 7.0 a deletion shows only as a shorter stream
    return it->firstUndelivered;
}

void TimeLagCache::remember(const GroupStatus &group, std::optional<StreamId> firstUndelivered,
                            qint64 streamLength) {
    m_known.insert(groupKey(group.stream, group.name),
                   {group.lastDeliveredId, firstUndelivered, streamLength});
}

void TimeLagCache::forgetAllBut(const QSet<QByteArray> &groupKeys) {
    for (auto it = m_known.begin(); it != m_known.end();)
        it = groupKeys.contains(it.key()) ? std::next(it) : m_known.erase(it);
}

Result<StreamStatusList> fetchStreamStatus(RedisClient &connection,
                                           const QList<QByteArray> &streams, int serverVersion,
                                           bool keepForbidden, ServerRole role) {
    const bool hasLagField = serverVersion == 0 || serverVersion >= 70000;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();

    QList<Command> first;
    for (const QByteArray &s : streams) {
        first.append({"XINFO", "STREAM", s});
        first.append({"XINFO", "GROUPS", s});
    }
    const bool askRole = roleToAsk(connection, &role) && !first.isEmpty();
    if (askRole)
        first.append(Command{"INFO", "replication"});
    auto replies = connection.pipeline(first);
    if (!replies.ok())
        return replies.error();
    if (askRole)
        role = answeredRole(replies.value().back());
    const bool onReplica = role == ServerRole::Replica;

    StreamStatusList out;
    const QList<RedisClient::Node> nodes = connection.nodes();
    for (qsizetype i = 0; i < streams.size(); ++i) {
        const RedisReply &info = replies.value()[size_t(2 * i)];
        const RedisReply &groups = replies.value()[size_t(2 * i + 1)];
        if (keepForbidden && isKeyRefusal(info)) {
            StreamStatus status;
            status.info.name = streams.at(i);
            status.info.slot = streamSlot(connection, status.info.name);
            status.info.node = primaryOf(nodes, status.info.slot);
            status.info.noAccess = noAccessText("XINFO STREAM", info);
            status.sampledAtMs = now;
            out.append(std::move(status));
            continue;
        }
        if (Error e = refusal(info, "XINFO STREAM", streams.at(i)))
            return e;
        if (Error e = refusal(groups, "XINFO GROUPS", streams.at(i)))
            return e;
        if (Error e = notAnswered(info, "XINFO STREAM", streams.at(i)))
            return e;
        if (Error e = notAnswered(groups, "XINFO GROUPS", streams.at(i)))
            return e;
        auto parsed = StreamInfo::fromReply(streams.at(i), info);
        if (!parsed)
            continue; // gone, or not a stream
        StreamStatus status;
        status.info = *parsed;
        status.info.slot = streamSlot(connection, status.info.name);
        status.info.node = primaryOf(nodes, status.info.slot);
        status.sampledAtMs = now;
        if (groups.isArray())
            for (const RedisReply &g : groups.elements()) {
                status.groups.append(groupFrom(streams.at(i), g));
                if (onReplica)
                    distrustEntriesRead(status.groups.last());
            }
        out.append(std::move(status));
    }
    return fetchGroupDetails(connection, std::move(out), hasLagField, onReplica, now, nullptr,
                             nullptr);
}

Result<StreamStatusList> fetchGroupStatus(RedisClient &connection, const StreamInfoList &streams,
                                          int serverVersion, TimeLagCache *cache,
                                          bool keepForbidden, const Permissions *access,
                                          ServerRole role) {
    const bool hasLagField = serverVersion == 0 || serverVersion >= 70000;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QList<Command> first;
    for (const StreamInfo &s : streams)
        first.append({"XINFO", "GROUPS", s.name});
    if (first.isEmpty())
        return StreamStatusList();
    const bool askRole = roleToAsk(connection, &role);
    if (askRole)
        first.append(Command{"INFO", "replication"});
    auto replies = connection.pipeline(first);
    if (!replies.ok())
        return replies.error();
    if (askRole)
        role = answeredRole(replies.value().back());
    const bool onReplica = role == ServerRole::Replica;
    StreamStatusList out;
    for (qsizetype i = 0; i < streams.size(); ++i) {
        const RedisReply &groups = replies.value()[size_t(i)];
        if (keepForbidden && isKeyRefusal(groups)) {
            StreamStatus status;
            status.info = streams.at(i);
            status.info.noAccess = noAccessText("XINFO GROUPS", groups);
            status.sampledAtMs = now;
            out.append(std::move(status));
            continue;
        }
        if (Error e = refusal(groups, "XINFO GROUPS", streams.at(i).name))
            return e;
        if (Error e = notAnswered(groups, "XINFO GROUPS", streams.at(i).name))
            return e;
        if (!groups.isArray())
            continue; // gone, or not a stream
        StreamStatus status;
        status.info = streams.at(i);
        status.sampledAtMs = now;
        for (const RedisReply &g : groups.elements()) {
            status.groups.append(groupFrom(status.info.name, g));
            if (onReplica)
                distrustEntriesRead(status.groups.last());
        }
        status.info.groups = status.groups.size();
        out.append(std::move(status));
    }
    return fetchGroupDetails(connection, std::move(out), hasLagField, onReplica, now, cache,
                             access);
}

Result<PendingEntryList> fetchPending(RedisClient &connection, const QByteArray &stream,
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
