#include "ClusterClient.h"

#include <QElapsedTimer>
#include <QThread>

#include <algorithm>

namespace streamscope {

namespace {

// How long to wait before asking again while the cluster elects a new primary or finishes
// moving a slot (TRYAGAIN, CLUSTERDOWN, a node just lost).
constexpr int retryPauseMs = 100;

struct Redirect {
    enum class Kind { None, Moved, Ask, Retry } kind = Kind::None;
    int slot = -1;
    QString endpoint;
};

// "MOVED 3999 127.0.0.1:6381", "ASK 3999 :6381" (empty host: the replying node's), or an error
// that asks to come back later.
Redirect redirectOf(const RedisReply &reply, const QString &from) {
    if (!reply.isError())
        return {};
    const QByteArray code = reply.errorCode();
    if (code == "TRYAGAIN" || code == "CLUSTERDOWN")
        return {Redirect::Kind::Retry, -1, {}};
    if (code != "MOVED" && code != "ASK")
        return {};
    const QList<QByteArray> parts = reply.bytes().split(' ');
    if (parts.size() < 3)
        return {};
    QString endpoint = QString::fromUtf8(parts.at(2));
    if (endpoint.startsWith(QLatin1Char(':')))
        endpoint.prepend(from.left(from.lastIndexOf(QLatin1Char(':'))));
    return {code == "MOVED" ? Redirect::Kind::Moved : Redirect::Kind::Ask, parts.at(1).toInt(),
            endpoint};
}

// The last "come back later" a node gave (TRYAGAIN, CLUSTERDOWN), for the error when the
// command's time runs out: which node said what about which slot.
struct RetryReason {
    QString message; // the server's, e.g. "CLUSTERDOWN The cluster is down"
    QString node;
    int slot = -1;

    QString describe(const QString &cluster, int budgetMs) const {
        if (message.startsWith(QLatin1String("CLUSTERDOWN")))
            return QStringLiteral("the cluster is down: %1 answered \"%2\" for %3 ms. Some "
                                  "slots have no primary that answers (a primary and its "
                                  "replicas down?); the nodes themselves answer. See CLUSTER "
                                  "NODES on any node")
                .arg(node, message)
                .arg(budgetMs);
        if (!message.isEmpty())
            return QStringLiteral("the cluster at %1 did not serve slot %2 within %3 ms: %4 "
                                  "answered \"%5\" (slot migrating or primary being elected)")
                .arg(cluster)
                .arg(slot)
                .arg(budgetMs)
                .arg(node, message);
        return QStringLiteral("the cluster at %1 did not serve the command within %2 ms (slot "
                              "migrating or primary being elected)")
            .arg(cluster)
            .arg(budgetMs);
    }
};

// Connection failures after which the node may be gone (failover): a timeout is not one of
// them, it already took the caller's whole budget.
bool nodeLost(const Error &error) {
    return error.kind == Error::Kind::Connect || error.kind == Error::Kind::Io;
}

} // namespace

QString ClusterClient::slotRangesText(const QList<QPair<int, int>> &ranges) {
    QStringList parts;
    for (const auto &r : ranges)
        parts << (r.first == r.second ? QString::number(r.first)
                                      : QStringLiteral("%1-%2").arg(r.first).arg(r.second));
    return parts.join(QLatin1Char(','));
}

ClusterClient::ClusterClient(ConnectionSettings settings)
    : ClusterClient(std::move(settings), nullptr) {}

ClusterClient::ClusterClient(ConnectionSettings settings, std::unique_ptr<RedisConnection> seed)
    : m_settings(std::move(settings))
    , m_slotOwner(cluster::slotCount)
    , m_readOnly(m_settings.fixedReadOnly()) {
    if (seed)
        m_connections[m_settings.endpoint()] = std::move(seed);
}

ClusterClient::~ClusterClient() {
    close();
}

Error ClusterClient::open() {
    m_open = false;
    auto seed = connectionTo(m_settings.endpoint());
    if (!seed.ok())
        return seed.error();
    if (Error e = refreshTopology())
        return e;
    m_open = true;
    return {};
}

void ClusterClient::close() {
    for (auto &[endpoint, connection] : m_connections) {
        m_closedBytes += connection->bytesReceived();
        m_closedCommands += connection->commandsSent();
    }
    m_connections.clear();
    m_open = false;
}

void ClusterClient::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    for (auto &[endpoint, connection] : m_connections)
        connection->setReadOnly(readOnly);
}

void ClusterClient::setMaxReplyBytes(qint64 bytes) {
    m_settings.maxReplyBytes = bytes; // for the connections opened later
    for (auto &[endpoint, connection] : m_connections)
        connection->setMaxReplyBytes(bytes);
}

void ClusterClient::setCancelFlag(const std::atomic<bool> *flag) {
    m_cancel = flag;
    for (auto &[endpoint, connection] : m_connections)
        connection->setCancelFlag(flag);
}

qint64 ClusterClient::bytesReceived() const {
    qint64 sum = m_closedBytes;
    for (const auto &[endpoint, connection] : m_connections)
        sum += connection->bytesReceived();
    return sum;
}

qint64 ClusterClient::commandsSent() const {
    qint64 sum = m_closedCommands;
    for (const auto &[endpoint, connection] : m_connections)
        sum += connection->commandsSent();
    return sum;
}

ConnectionSettings ClusterClient::nodeSettings(const QString &endpoint) const {
    ConnectionSettings s = m_settings;
    if (endpoint == m_settings.endpoint())
        return s;
    const qsizetype colon = endpoint.lastIndexOf(QLatin1Char(':'));
    s.host = endpoint.left(colon);
    s.port = quint16(endpoint.mid(colon + 1).toUInt());
    // Nodes announce TCP endpoints, even when the seed was reached through its socket.
    if (s.transport == ConnectionSettings::Transport::Unix)
        s.transport = ConnectionSettings::Transport::Tcp;
    s.db = 0; // a cluster has only database 0
    return s;
}

Result<RedisConnection *> ClusterClient::connectionTo(const QString &endpoint) {
    auto &slot = m_connections[endpoint];
    if (!slot) {
        slot = std::make_unique<RedisConnection>(nodeSettings(endpoint));
        slot->setReadOnly(m_readOnly);
        slot->setCancelFlag(m_cancel);
    }
    if (!slot->isOpen()) {
        if (Error e = slot->open())
            return e;
        ++m_connectionsOpened;
    }
    return slot.get();
}

QString ClusterClient::endpointOf(const QString &host, qint64 port, const QString &from) const {
    // A node that does not know its own address ("" or "?") is reached as the one we asked.
    QString h = host;
    if (h.isEmpty() || h == QLatin1String("?"))
        h = nodeSettings(from).host;
    return QStringLiteral("%1:%2").arg(h).arg(port);
}

QString ClusterClient::endpointForSlot(int slot) const {
    return slot >= 0 && slot < cluster::slotCount ? m_slotOwner[size_t(slot)] : QString();
}

void ClusterClient::setSlotOwner(int slot, const QString &endpoint) {
    if (m_slotOwner[size_t(slot)] == endpoint)
        return;
    m_slotOwner[size_t(slot)] = endpoint;
    ++m_topologyVersion;
}

void ClusterClient::adoptMap(QList<Node> nodes, std::vector<QString> owner) {
    auto primaryEndpoints = [](const QList<Node> &list) {
        QStringList endpoints;
        for (const Node &n : list)
            if (n.primary)
                endpoints << n.endpoint;
        return endpoints;
    };
    if (owner != m_slotOwner || primaryEndpoints(nodes) != primaryEndpoints(m_nodes))
        ++m_topologyVersion;
    m_nodes = std::move(nodes);
    m_slotOwner = std::move(owner);
}

QString ClusterClient::anyNode() const {
    for (const Node &node : m_nodes)
        if (node.primary && node.reachable) {
            const auto it = m_connections.find(node.endpoint);
            if (it != m_connections.end() && it->second->isOpen())
                return node.endpoint;
        }
    for (const Node &node : m_nodes)
        if (node.primary && node.reachable)
            return node.endpoint;
    return m_settings.endpoint();
}

Result<RedisReply> ClusterClient::askForSlots(RedisConnection &connection) {
    // CLUSTER is not a read in RedisConnection's allowlist, but asking for the map changes
    // nothing: let it through read-only mode for this one command.
    const bool readOnly = connection.isReadOnly();
    connection.setReadOnly(false);
    // The user's reply limit is for their data: the map itself is allowed the default.
    const qint64 limit = connection.maxReplyBytes();
    connection.setMaxReplyBytes(qMax(limit, ReplyParser::defaultMaxReplyBytes));
    auto reply = connection.command({"CLUSTER", "SHARDS"});
    // Before 7.0 there is no SHARDS (and an ACL may allow only SLOTS): the older form.
    if (reply.ok() && reply->isError()) {
        const QString shardsError = reply->errorMessage();
        reply = connection.command({"CLUSTER", "SLOTS"});
        if (reply.ok() && reply->isError())
            reply = RedisReply::error(QStringLiteral("CLUSTER SHARDS: %1; CLUSTER SLOTS: %2")
                                          .arg(shardsError, reply->errorMessage())
                                          .toUtf8());
    }
    connection.setReadOnly(readOnly);
    connection.setMaxReplyBytes(limit);
    return reply;
}

Error ClusterClient::refreshTopology(const QString &avoidEndpoint, const QString &preferEndpoint) {
    ++m_refreshes;
    QStringList candidates;
    for (const Node &node : m_nodes)
        if (node.primary && node.reachable)
            candidates << node.endpoint;
    for (const Node &node : m_nodes)
        if (!candidates.contains(node.endpoint))
            candidates << node.endpoint;
    if (!candidates.contains(m_settings.endpoint()))
        candidates << m_settings.endpoint();
    if (candidates.removeAll(avoidEndpoint) > 0)
        candidates << avoidEndpoint; // last: it was just lost
    if (!preferEndpoint.isEmpty() && preferEndpoint != avoidEndpoint) {
        // First: a node that just said it serves a slot (MOVED) knows the newer map; one that
        // has not heard of the change yet would give the old one back.
        candidates.removeAll(preferEndpoint);
        candidates.prepend(preferEndpoint);
    }

    QStringList failures;
    for (const QString &endpoint : candidates) {
        if (cancelled())
            return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
        auto connection = connectionTo(endpoint);
        if (!connection.ok()) {
            if (connection.error().kind == Error::Kind::Auth)
                return connection.error();
            failures << connection.error().message;
            continue;
        }
        auto reply = askForSlots(*connection.value());
        if (!reply.ok()) {
            failures << reply.error().message;
            continue;
        }
        if (reply->isError()) {
            failures << QStringLiteral("%1 answered %2").arg(endpoint, reply->errorMessage());
            continue;
        }
        const bool shards = !reply->elements().empty() && reply->at(0).field("slots");
        const Error e =
            shards ? adoptShards(reply.value(), endpoint) : adoptSlots(reply.value(), endpoint);
        if (!e)
            return {};
        failures << e.message;
    }
    return Error(Error::Kind::Connect,
                 QStringLiteral("no node of the cluster gave its slot map: %1")
                     .arg(failures.join(QStringLiteral("; "))));
}

Error ClusterClient::adoptShards(const RedisReply &shards, const QString &from) {
    QList<Node> primaries;
    QList<Node> replicas;
    std::vector<QString> owner(cluster::slotCount);
    for (const RedisReply &shard : shards.elements()) {
        const RedisReply *slots = shard.field("slots");
        const RedisReply *nodes = shard.field("nodes");
        if (!slots || !nodes || !slots->isArray() || !nodes->isArray())
            return Error(
                Error::Kind::Protocol,
                QStringLiteral("%1 sent a CLUSTER SHARDS reply without slots or nodes").arg(from));
        QList<QPair<int, int>> ranges;
        for (size_t i = 0; i + 1 < slots->size(); i += 2) {
            qint64 start = -1;
            qint64 end = -1;
            slots->at(i).toInteger(&start);
            slots->at(i + 1).toInteger(&end);
            if (start >= 0 && end >= start && end < cluster::slotCount)
                ranges.append({int(start), int(end)});
        }
        // After a failover the old primary may still be listed as one, failed: the online
        // primary serves the slots.
        QList<Node> shardNodes;
        int servingPrimary = -1;
        for (const RedisReply &n : nodes->elements()) {
            Node node;
            auto text = [&n](const char *key) {
                const RedisReply *v = n.field(key);
                return v ? QString::fromUtf8(v->bytes()) : QString();
            };
            qint64 port = 0;
            const RedisReply *tlsPort = n.field("tls-port");
            const RedisReply *plainPort = n.field("port");
            if (m_settings.transport == ConnectionSettings::Transport::Tls && tlsPort)
                tlsPort->toInteger(&port);
            else if (plainPort)
                plainPort->toInteger(&port);
            else if (tlsPort)
                tlsPort->toInteger(&port);
            QString host = text("endpoint");
            if (host.isEmpty() || host == QLatin1String("?"))
                host = text("ip");
            node.id = text("id");
            node.endpoint = endpointOf(host, port, from);
            node.primary = text("role") == QLatin1String("master");
            node.reachable = text("health") != QLatin1String("fail")
                             && text("health") != QLatin1String("failed");
            if (node.primary && (servingPrimary < 0 || node.reachable))
                servingPrimary = int(shardNodes.size());
            shardNodes.append(node);
        }
        if (servingPrimary < 0)
            continue; // a shard without a primary serves nothing
        Node &primary = shardNodes[servingPrimary];
        primary.slotRanges = ranges;
        for (qsizetype i = 0; i < shardNodes.size(); ++i) {
            Node &node = shardNodes[i];
            if (i == servingPrimary) {
                primaries.append(node);
                continue;
            }
            node.primary = false;
            node.primaryId = primary.id;
            replicas.append(node);
        }
        for (const auto &r : ranges)
            for (int s = r.first; s <= r.second; ++s)
                owner[size_t(s)] = primary.endpoint;
    }
    if (primaries.isEmpty())
        return Error(Error::Kind::Server,
                     QStringLiteral("%1 knows no primary serving slots: is the cluster created "
                                    "(redis-cli --cluster create)?")
                         .arg(from));
    std::sort(primaries.begin(), primaries.end(), [](const Node &a, const Node &b) {
        return a.slotRanges.value(0).first < b.slotRanges.value(0).first;
    });
    adoptMap(primaries + replicas, std::move(owner));
    return {};
}

Error ClusterClient::adoptSlots(const RedisReply &slots, const QString &from) {
    // CLUSTER SLOTS: [start, end, [ip, port, id, ...] primary, [ip, port, id, ...] replicas...]
    QHash<QString, Node> byEndpoint;
    QStringList order;
    std::vector<QString> owner(cluster::slotCount);
    auto nodeOf = [&](const RedisReply &n) -> Node * {
        if (!n.isArray() || n.size() < 2)
            return nullptr;
        qint64 port = 0;
        n.at(1).toInteger(&port);
        const QString endpoint = endpointOf(QString::fromUtf8(n.at(0).bytes()), port, from);
        if (!byEndpoint.contains(endpoint)) {
            Node node;
            node.endpoint = endpoint;
            node.id = n.size() > 2 ? QString::fromUtf8(n.at(2).bytes()) : QString();
            byEndpoint.insert(endpoint, node);
            order << endpoint;
        }
        return &byEndpoint[endpoint];
    };
    for (const RedisReply &range : slots.elements()) {
        if (!range.isArray() || range.size() < 3)
            return Error(Error::Kind::Protocol,
                         QStringLiteral("%1 sent a malformed CLUSTER SLOTS reply").arg(from));
        qint64 start = -1;
        qint64 end = -1;
        range.at(0).toInteger(&start);
        range.at(1).toInteger(&end);
        Node *primary = nodeOf(range.at(2));
        if (!primary || start < 0 || end < start || end >= cluster::slotCount)
            continue;
        primary->primary = true;
        primary->slotRanges.append({int(start), int(end)});
        const QString primaryId = primary->id;
        const QString primaryEndpoint = primary->endpoint;
        for (int s = int(start); s <= int(end); ++s)
            owner[size_t(s)] = primaryEndpoint;
        for (size_t i = 3; i < range.size(); ++i)
            if (Node *replica = nodeOf(range.at(i))) {
                replica->primary = false;
                replica->primaryId = primaryId;
            }
    }
    QList<Node> primaries;
    QList<Node> replicas;
    for (const QString &endpoint : order)
        (byEndpoint[endpoint].primary ? primaries : replicas).append(byEndpoint[endpoint]);
    if (primaries.isEmpty())
        return Error(Error::Kind::Server,
                     QStringLiteral("%1 knows no primary serving slots").arg(from));
    std::sort(primaries.begin(), primaries.end(), [](const Node &a, const Node &b) {
        return a.slotRanges.value(0).first < b.slotRanges.value(0).first;
    });
    adoptMap(primaries + replicas, std::move(owner));
    return {};
}

Error ClusterClient::refuseWrites(const QList<Command> &commands) const {
    if (!m_readOnly && !(m_settings.readOnlySwitch && m_settings.readOnlySwitch->load()))
        return {};
    for (const Command &c : commands)
        if (!RedisConnection::isReadOnlyCommand(c))
            return Error(Error::Kind::ReadOnly,
                         QStringLiteral("read-only mode: %1 would change data on the cluster at "
                                        "%2, so it was not sent. Turn read-only mode off to do "
                                        "this.")
                             .arg(QString::fromUtf8(c.first().toUpper()), m_settings.endpoint()));
    return {};
}

Result<std::vector<ClusterClient::Unit>> ClusterClient::plan(const QList<Command> &commands) const {
    std::vector<Unit> units;
    for (qsizetype i = 0; i < commands.size();) {
        Unit unit;
        unit.first = i;
        const QByteArray name = commands.at(i).value(0).toUpper();
        if (name == "MULTI") {
            qsizetype end = i + 1;
            while (end < commands.size()) {
                const QByteArray n = commands.at(end).value(0).toUpper();
                if (n == "EXEC" || n == "DISCARD")
                    break;
                ++end;
            }
            if (end == commands.size())
                return Error(Error::Kind::InvalidArgument,
                             QStringLiteral("cluster mode: MULTI must be sent with its commands "
                                            "and EXEC in one pipeline (all on one node)"));
            unit.count = end - i + 1;
        } else if (name == "EXEC" || name == "DISCARD") {
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("cluster mode: %1 without MULTI in the same pipeline")
                             .arg(QString::fromUtf8(name)));
        }
        QList<QByteArray> keys;
        for (qsizetype j = i; j < i + unit.count; ++j) {
            const Command &c = commands.at(j);
            auto found = cluster::commandKeys(c);
            if (!found.ok())
                return found.error();
            if (found->route == cluster::Route::EveryPrimary)
                return Error(Error::Kind::InvalidArgument,
                             QStringLiteral("cluster mode: %1 acts on one node's data only; "
                                            "StreamScope sends it to every primary "
                                            "(RedisClient::onEveryPrimary)")
                                 .arg(QString::fromUtf8(c.first().toUpper())));
            keys += found->keys;
            unit.readOnly = unit.readOnly && RedisConnection::isReadOnlyCommand(c);
        }
        auto slot = cluster::commonSlot(keys, unit.count > 1 ? QByteArray("MULTI/EXEC")
                                                             : commands.at(i).first().toUpper());
        if (!slot.ok())
            return slot.error();
        unit.slot = slot.value();
        units.push_back(unit);
        i += unit.count;
    }
    return units;
}

Result<RedisReply> ClusterClient::command(const Command &args, int timeoutMs) {
    auto replies = pipeline({args}, timeoutMs);
    if (!replies.ok())
        return replies.error();
    return std::move(replies.value().front());
}

Result<std::vector<RedisReply>> ClusterClient::pipeline(const QList<Command> &commands,
                                                        int timeoutMs) {
    return route(commands, timeoutMs, nullptr);
}

Result<RedisReply> ClusterClient::commandEntries(const Command &args, int entriesDepth,
                                                 StreamEntryList *out, int timeoutMs,
                                                 const QByteArray &stream) {
    const EntriesRead entries{entriesDepth, out, stream};
    auto replies = route({args}, timeoutMs, &entries);
    if (!replies.ok())
        return replies.error();
    return std::move(replies.value().front());
}

Result<std::vector<RedisReply>> ClusterClient::entriesOnNodes(const QList<Command> &commands,
                                                              int entriesDepth,
                                                              std::vector<StreamEntryList> *outs,
                                                              int timeoutMs) {
    for (const Command &c : commands)
        if (!RedisConnection::isReadOnlyCommand(c))
            return Error(Error::Kind::ReadOnly,
                         QStringLiteral("%1 is no read: it cannot be sent to several nodes at once")
                             .arg(QString::fromUtf8(c.value(0))));
    auto planned = plan(commands);
    if (!planned.ok())
        return planned.error();
    if (!m_open)
        return Error(
            Error::Kind::Io,
            QStringLiteral("not connected to the cluster at %1").arg(m_settings.endpoint()));
    const int budget = timeoutMs < 0 ? m_settings.commandTimeoutMs : timeoutMs;
    QElapsedTimer clock;
    clock.start();
    outs->assign(size_t(commands.size()), StreamEntryList());
    std::vector<RedisReply> replies(size_t(commands.size()));
    std::vector<bool> done(size_t(commands.size()), false);

    // Each node's commands in one write, every node before any reply is read.
    std::vector<std::pair<QString, std::vector<size_t>>> perNode;
    for (const Unit &unit : planned.value()) {
        if (unit.count != 1 || unit.slot < 0)
            continue; // done alone below
        const QString target = endpointForSlot(unit.slot);
        auto it = std::find_if(perNode.begin(), perNode.end(),
                               [&](const auto &node) { return node.first == target; });
        if (it == perNode.end())
            it = perNode.insert(perNode.end(), {target, {}});
        it->second.push_back(size_t(unit.first));
    }
    std::vector<std::pair<RedisConnection *, size_t>> sent; // connection, index in perNode
    for (size_t n = 0; n < perNode.size(); ++n) {
        if (perNode[n].first.isEmpty())
            continue;
        auto connection = connectionTo(perNode[n].first);
        if (!connection.ok())
            continue;
        QList<Command> batch;
        for (size_t i : perNode[n].second)
            batch.append(commands.at(qsizetype(i)));
        if (!connection.value()->sendCommands(batch, budget))
            sent.push_back({connection.value(), n});
    }
    for (const auto &[connection, n] : sent) {
        const QString &target = perNode[n].first;
        for (size_t i : perNode[n].second) {
            StreamEntryList &out = (*outs)[i];
            auto reply = connection->receiveEntries(entriesDepth, &out,
                                                    qMax(1, budget - int(clock.elapsed())));
            if (!reply.ok()) {
                out.clear();
                break; // the connection closed: the rest of its commands are done alone
            }
            if (redirectOf(reply.value(), target).kind != Redirect::Kind::None) {
                out.clear();
                continue;
            }
            replies[i] = std::move(reply).value();
            done[i] = true;
        }
    }
    for (size_t i = 0; i < done.size(); ++i) {
        if (done[i])
            continue;
        auto reply = commandEntries(commands.at(qsizetype(i)), entriesDepth, &(*outs)[i],
                                    qMax(1, budget - int(clock.elapsed())));
        if (!reply.ok())
            return reply.error();
        replies[i] = std::move(reply).value();
    }
    return replies;
}

Result<std::vector<RedisReply>> ClusterClient::sendTo(RedisConnection &node,
                                                      const QList<Command> &batch, bool asking,
                                                      int timeoutMs, const EntriesRead *entries) {
    // ASKING is no write, but not in the read-only allowlist: the commands themselves were
    // checked before.
    const bool readOnly = node.isReadOnly();
    node.setReadOnly(readOnly && !asking);
    Result<std::vector<RedisReply>> sent = std::vector<RedisReply>();
    if (!entries) {
        sent = node.pipeline(batch, timeoutMs);
    } else {
        // One command whose entries go straight into the caller's list (after ASKING's +OK,
        // which is read on its own: the entries parser expects the command's reply).
        std::vector<RedisReply> replies;
        if (asking) {
            auto ok = node.command({"ASKING"}, timeoutMs);
            if (ok.ok())
                replies.push_back(std::move(ok).value());
            else
                sent = ok.error();
        }
        if (sent.ok()) {
            auto reply = node.commandEntries(batch.back(), entries->depth, entries->out, timeoutMs,
                                             entries->stream);
            if (reply.ok()) {
                replies.push_back(std::move(reply).value());
                sent = std::move(replies);
            } else {
                sent = reply.error();
            }
        }
    }
    node.setReadOnly(readOnly);
    return sent;
}

Result<std::vector<RedisReply>> ClusterClient::route(const QList<Command> &commands, int timeoutMs,
                                                     const EntriesRead *entries) {
    if (Error e = refuseWrites(commands))
        return e;
    auto planned = plan(commands);
    if (!planned.ok())
        return planned.error();
    if (!m_open)
        return Error(
            Error::Kind::Io,
            QStringLiteral("not connected to the cluster at %1").arg(m_settings.endpoint()));
    std::vector<Unit> pending = std::move(planned).value();
    for (Unit &unit : pending)
        unit.target = unit.slot >= 0 ? endpointForSlot(unit.slot) : anyNode();

    const int budget = timeoutMs < 0 ? m_settings.commandTimeoutMs : timeoutMs;
    QElapsedTimer clock;
    clock.start();
    std::vector<RedisReply> replies(size_t(commands.size()));
    int redirections = 0;
    RetryReason waitedFor;
    while (!pending.empty()) {
        std::vector<Unit> again;
        QHash<int, QString> movedTo;
        QString lostNode;
        bool pause = false;
        bool redirected = false; // each unit is redirected at most once a round

        // One pipeline per node, each node's units in the caller's order.
        QStringList targets;
        for (const Unit &unit : pending)
            if (!targets.contains(unit.target))
                targets << unit.target;
        for (const QString &target : targets) {
            std::vector<Unit> units;
            QList<Command> batch;
            bool asking = false;
            for (const Unit &unit : pending) {
                if (unit.target != target)
                    continue;
                units.push_back(unit);
                if (unit.asking && !entries)
                    batch.append({"ASKING"});
                asking = asking || unit.asking;
                batch += commands.mid(unit.first, unit.count);
            }
            Result<std::vector<RedisReply>> sent = Error(
                Error::Kind::Connect,
                QStringLiteral("the cluster is down for slot %1: no node serves it (CLUSTER NODES "
                               "on any node shows which slots are unassigned)")
                    .arg(units.front().slot));
            bool reached = false; // whether any of the batch may have left the process
            if (!target.isEmpty()) {
                auto connection = connectionTo(target);
                reached = connection.ok();
                sent = reached ? sendTo(*connection.value(), batch, asking,
                                        qMax(1, budget - int(clock.elapsed())), entries)
                               : Result<std::vector<RedisReply>>(connection.error());
            }
            if (!sent.ok()) {
                const Error &e = sent.error();
                if (!nodeLost(e))
                    return e;
                const bool allReads = std::all_of(units.begin(), units.end(),
                                                  [](const Unit &u) { return u.readOnly; });
                if (reached && !allReads)
                    return Error(e.kind,
                                 QStringLiteral("%1. The commands for that node include writes, "
                                                "so they were not retried: they may or may not "
                                                "have been applied")
                                     .arg(e.message));
                if (clock.elapsed() >= budget)
                    return Error(e.kind, QStringLiteral("%1 (the cluster did not recover within "
                                                        "%2 ms)")
                                             .arg(e.message)
                                             .arg(budget));
                lostNode = target;
                pause = true;
                for (Unit &u : units) {
                    u.asking = false;
                    again.push_back(u);
                }
                continue;
            }
            size_t at = 0;
            for (Unit &unit : units) {
                if (unit.asking)
                    ++at; // ASKING's own +OK
                Redirect redirect;
                for (qsizetype k = 0; k < unit.count && redirect.kind == Redirect::Kind::None; ++k)
                    redirect = redirectOf(sent.value()[at + size_t(k)], target);
                if (redirect.kind == Redirect::Kind::Retry)
                    for (qsizetype k = 0; k < unit.count; ++k)
                        if (const RedisReply &r = sent.value()[at + size_t(k)]; r.isError()) {
                            waitedFor = {r.errorMessage(), target, unit.slot};
                            break;
                        }
                if (redirect.kind == Redirect::Kind::None) {
                    for (qsizetype k = 0; k < unit.count; ++k)
                        replies[size_t(unit.first + k)] = std::move(sent.value()[at + size_t(k)]);
                } else {
                    unit.asking = redirect.kind == Redirect::Kind::Ask;
                    if (redirect.kind == Redirect::Kind::Retry) {
                        pause = true;
                    } else {
                        redirected = true;
                        ++m_redirections;
                        unit.target = redirect.endpoint;
                        if (redirect.kind == Redirect::Kind::Moved)
                            movedTo.insert(redirect.slot, redirect.endpoint);
                    }
                    again.push_back(unit);
                }
                at += size_t(unit.count);
            }
        }
        if (again.empty())
            break;
        // Rounds, not units: after a failover a pipeline over many slots gets one MOVED per
        // slot of that primary, all answered by the next round.
        if (redirected && ++redirections > maxRedirections)
            return Error(Error::Kind::Server,
                         QStringLiteral("the cluster redirected a command more than %1 times "
                                        "(MOVED/ASK): is a slot migration under way?")
                             .arg(maxRedirections));
        if (clock.elapsed() >= budget)
            return Error(Error::Kind::Timeout, waitedFor.describe(m_settings.endpoint(), budget));
        if (pause)
            QThread::msleep(retryPauseMs);
        if (!movedTo.isEmpty() || !lostNode.isEmpty() || pause) {
            // A failed refresh leaves the old map: the retries below say what is wrong.
            (void)refreshTopology(lostNode,
                                  movedTo.isEmpty() ? QString() : movedTo.cbegin().value());
            for (auto it = movedTo.cbegin(); it != movedTo.cend(); ++it)
                setSlotOwner(it.key(), it.value()); // newer than a lagging node's map
            for (Unit &unit : again)
                if (!unit.asking)
                    unit.target = unit.slot >= 0 ? endpointForSlot(unit.slot) : anyNode();
        }
        pending = std::move(again);
    }
    return replies;
}

Result<RedisReply> ClusterClient::commandOn(const QString &endpoint, const Command &args,
                                            int timeoutMs) {
    if (Error e = refuseWrites({args}))
        return e;
    auto connection = connectionTo(endpoint);
    Result<RedisReply> reply = connection.ok() ? connection.value()->command(args, timeoutMs)
                                               : Result<RedisReply>(connection.error());
    if (!reply.ok() && nodeLost(reply.error())) {
        QList<QPair<int, int>> slots;
        for (const Node &n : m_nodes)
            if (n.endpoint == endpoint)
                slots = n.slotRanges;
        // The caller reports this node; the next primaries() already shows who took over.
        (void)refreshTopology(endpoint);
        return Error(
            reply.error().kind,
            slots.isEmpty()
                ? QStringLiteral("%1 (cluster node %2)").arg(reply.error().message, endpoint)
                : QStringLiteral("%1 (cluster node %2, slots %3 unknown)")
                      .arg(reply.error().message, endpoint, slotRangesText(slots)));
    }
    return reply;
}

} // namespace streamscope
