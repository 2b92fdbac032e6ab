#include "StreamInfo.h"

#include "ClusterSlots.h"

#include <QSet>
#include <QStringList>

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

QString slotRangesText(const QList<QPair<int, int>> &ranges) {
    QStringList parts;
    for (const auto &r : ranges)
        parts << (r.first == r.second ? QString::number(r.first)
                                      : QStringLiteral("%1-%2").arg(r.first).arg(r.second));
    return parts.join(QLatin1Char(','));
}

QString missingNodeText(const MissingNode &missing) {
    const QString node = missing.endpoint.isEmpty() ? QStringLiteral("no node") : missing.endpoint;
    return missing.slots.isEmpty() ? QStringLiteral("%1 unknown: %2").arg(node, missing.reason)
                                   : QStringLiteral("slots %1 on %2 unknown: %3")
                                         .arg(missing.slots, node, missing.reason);
}

int streamSlot(const RedisClient &client, const QByteArray &key) {
    return client.topology() == RedisClient::Topology::Cluster ? cluster::keySlot(key) : -1;
}

QString primaryOf(const QList<RedisClient::Node> &nodes, int slot) {
    for (const RedisClient::Node &n : nodes) {
        if (!n.primary)
            continue;
        if (slot < 0)
            return n.endpoint;
        for (const auto &r : n.slotRanges)
            if (slot >= r.first && slot <= r.second)
                return n.endpoint;
    }
    return {};
}

Result<RedisReply> commandOnOnePrimary(RedisClient &client, const Command &args) {
    if (client.topology() != RedisClient::Topology::Cluster)
        return client.command(args);
    const QStringList primaries = client.primaries();
    Result<RedisReply> reply =
        Error(Error::Kind::Connect, QStringLiteral("the cluster client knows no primary"));
    for (const QString &endpoint : primaries) {
        reply = client.commandOn(endpoint, args);
        if (reply.ok())
            break; // an error reply is the answer: every node would give the same
    }
    return reply;
}

bool isNoSuchStream(const RedisReply &reply) {
    return reply.isError()
           && (reply.errorCode() == "WRONGTYPE"
               || reply.errorMessage().contains(QLatin1String("no such key")));
}

bool isKeyRefusal(const RedisReply &reply) {
    return reply.isError() && reply.errorCode() == "NOPERM"
           && !reply.errorMessage().contains(QLatin1String("permissions to run"));
}

QString noAccessText(const char *command, const RedisReply &reply) {
    return QStringLiteral("no permission: the user's key patterns do not cover this stream (%1 "
                          "answered %2)")
        .arg(QLatin1String(command), QString::fromUtf8(reply.errorCode()));
}

int StreamListing::forbidden() const {
    return int(std::count_if(streams.begin(), streams.end(),
                             [](const StreamInfo &s) { return !s.noAccess.isEmpty(); }));
}

bool isPermissionRefusal(const Error &error) {
    return error.kind == Error::Kind::Server && error.message.contains(QLatin1String("NOPERM"));
}

Result<StreamInfoList> describeStreams(RedisClient &connection, const QList<QByteArray> &names,
                                       bool keepForbidden) {
    StreamInfoList result;
    const QList<RedisClient::Node> nodes = connection.nodes();
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
            if (keepForbidden && isKeyRefusal(reply)) {
                StreamInfo info;
                info.name = names.at(i);
                info.slot = streamSlot(connection, info.name);
                info.node = primaryOf(nodes, info.slot);
                info.noAccess = noAccessText("XINFO STREAM", reply);
                result.append(std::move(info));
                continue;
            }
            if (reply.isError() && !isNoSuchStream(reply))
                return Error(Error::Kind::Server,
                             QStringLiteral("XINFO STREAM %1: %2")
                                 .arg(QString::fromUtf8(names.at(i)), reply.errorMessage()));
            if (auto info = StreamInfo::fromReply(names.at(i), reply)) {
                info->slot = streamSlot(connection, info->name);
                info->node = primaryOf(nodes, info->slot);
                result.append(std::move(*info));
            }
        }
    }
    return result;
}

namespace {

// One primary's part of a SCAN, within what is left of the shared bounds. Returns the error
// that ended it (names found before it are kept).
Error scanNode(RedisClient &client, const QString &endpoint, const QByteArray &pattern, int maxKeys,
               int maxScanCalls, int *calls, ScannedNames *out) {
    QByteArray cursor = "0";
    do {
        if (*calls >= maxScanCalls || out->names.size() >= maxKeys) {
            out->truncated = true;
            return {};
        }
        ++*calls;
        const Command scan{"SCAN",  cursor, "MATCH", pattern.isEmpty() ? QByteArray("*") : pattern,
                           "COUNT", "1000", "TYPE",  "stream"};
        auto reply = client.topology() == RedisClient::Topology::Cluster
                         ? client.commandOn(endpoint, scan)
                         : client.command(scan);
        if (!reply.ok())
            return reply.error();
        if (reply->isError())
            return Error(Error::Kind::Server,
                         QStringLiteral("SCAN failed: %1").arg(reply->errorMessage()));
        if (!reply->isArray() || reply->size() != 2 || !reply->at(1).isArray())
            return Error(Error::Kind::Protocol,
                         QStringLiteral("unexpected SCAN reply: %1").arg(reply->toDebugString()));
        cursor = reply->at(0).bytes();
        for (const RedisReply &key : reply->at(1).elements()) {
            out->names.append(key.bytes());
            out->nodeOf.insert(key.bytes(), endpoint);
        }
    } while (cursor != "0");
    return {};
}

// Slots that no primary of the map serves (a shard that lost its primary): unknown too.
QList<QPair<int, int>> unservedSlots(const QList<RedisClient::Node> &nodes) {
    std::vector<bool> served(cluster::slotCount);
    for (const RedisClient::Node &n : nodes)
        if (n.primary)
            for (const auto &r : n.slotRanges)
                for (int s = qMax(0, r.first); s <= r.second && s < cluster::slotCount; ++s)
                    served[size_t(s)] = true;
    QList<QPair<int, int>> gaps;
    for (int s = 0; s < cluster::slotCount; ++s) {
        if (served[size_t(s)])
            continue;
        if (!gaps.isEmpty() && gaps.last().second == s - 1)
            gaps.last().second = s;
        else
            gaps.append({s, s});
    }
    return gaps;
}

QString slotsOf(const QList<RedisClient::Node> &nodes, const QString &endpoint) {
    for (const RedisClient::Node &n : nodes)
        if (n.endpoint == endpoint)
            return slotRangesText(n.slotRanges);
    return {};
}

} // namespace

Result<ScannedNames> scanStreams(RedisClient &client, const QByteArray &pattern, int maxKeys,
                                 int maxScanCalls) {
    ScannedNames out;
    const bool onCluster = client.topology() == RedisClient::Topology::Cluster;
    // The map as it was when the scan began: a node lost during it is named with the slots it
    // served then (the client refreshes its map when it loses a node).
    const QList<RedisClient::Node> nodes = client.nodes();
    const QStringList primaries = onCluster ? client.primaries() : QStringList{QString()};
    int calls = 0;
    for (const QString &endpoint : primaries) {
        const Error e = scanNode(client, endpoint, pattern, maxKeys, maxScanCalls, &calls, &out);
        if (!e)
            continue;
        if (!onCluster || isPermissionRefusal(e))
            return e; // one server, or a refusal every node would give
        out.missing.append({endpoint, slotsOf(nodes, endpoint), e.message});
    }
    if (onCluster) {
        const QList<QPair<int, int>> gaps = unservedSlots(nodes);
        if (!gaps.isEmpty())
            out.missing.append(
                {QString(), slotRangesText(gaps), QStringLiteral("no primary serves these slots")});
    } else {
        const QString self = primaryOf(nodes, -1);
        for (const QByteArray &name : out.names)
            out.nodeOf.insert(name, self);
    }

    // SCAN may return a key more than once.
    std::sort(out.names.begin(), out.names.end());
    out.names.erase(std::unique(out.names.begin(), out.names.end()), out.names.end());
    if (out.names.size() > maxKeys) {
        for (qsizetype i = maxKeys; i < out.names.size(); ++i)
            out.nodeOf.remove(out.names.at(i));
        out.names.resize(maxKeys);
        out.truncated = true;
    }
    return out;
}

namespace {

// One error naming every node that could not be scanned, for callers that take no partial list.
Error missingError(const MissingNodeList &missing) {
    QStringList parts;
    for (const MissingNode &m : missing)
        parts << QStringLiteral("%1 (slots %2): %3")
                     .arg(m.endpoint.isEmpty() ? QStringLiteral("no node") : m.endpoint, m.slots,
                          m.reason);
    return Error(Error::Kind::Connect, QStringLiteral("the cluster could not be scanned whole: %1")
                                           .arg(parts.join(QStringLiteral("; "))));
}

} // namespace

Result<QList<QByteArray>> scanStreamNames(RedisClient &connection, const QByteArray &pattern,
                                          int maxKeys, int maxScanCalls, bool *truncated,
                                          MissingNodeList *missing) {
    auto scanned = scanStreams(connection, pattern, maxKeys, maxScanCalls);
    if (!scanned.ok())
        return scanned.error();
    *truncated = scanned->truncated;
    if (missing)
        *missing = scanned->missing;
    else if (!scanned->missing.isEmpty())
        return missingError(scanned->missing);
    return scanned->names;
}

Result<StreamListing> listStreams(RedisClient &connection, const QByteArray &pattern, int maxKeys,
                                  int maxScanCalls) {
    auto scanned = scanStreams(connection, pattern, maxKeys, maxScanCalls);
    if (!scanned.ok())
        return scanned.error();
    StreamListing listing;
    listing.truncated = scanned->truncated;
    listing.missing = scanned->missing;
    if (connection.topology() != RedisClient::Topology::Cluster) {
        auto infos = describeStreams(connection, scanned->names, true);
        if (!infos.ok())
            return infos.error();
        listing.streams = std::move(infos).value();
        return listing;
    }
    // One node's streams at a time: a node lost between SCAN and XINFO is named, not the end
    // of the whole listing.
    const QList<RedisClient::Node> nodes = connection.nodes();
    QStringList order;
    QHash<QString, QList<QByteArray>> byNode;
    for (const QByteArray &name : scanned->names) {
        const QString node = scanned->nodeOf.value(name);
        if (!byNode.contains(node))
            order << node;
        byNode[node].append(name);
    }
    QSet<QString> lost;
    for (const MissingNode &m : listing.missing)
        lost.insert(m.endpoint);
    for (const QString &node : order) {
        if (lost.contains(node))
            continue; // its SCAN broke off: what it listed is already said to be incomplete
        auto infos = describeStreams(connection, byNode.value(node), true);
        if (!infos.ok()) {
            if (isPermissionRefusal(infos.error()))
                return infos.error(); // the same on every node
            listing.missing.append({node, slotsOf(nodes, node), infos.error().message});
            continue;
        }
        for (StreamInfo &info : infos.value())
            info.node = node; // the node that listed it
        listing.streams += infos.value();
    }
    std::sort(listing.streams.begin(), listing.streams.end(),
              [](const StreamInfo &a, const StreamInfo &b) { return a.name < b.name; });
    return listing;
}

} // namespace streamscope
