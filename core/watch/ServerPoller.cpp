#include "ServerPoller.h"

#include "AutoClient.h"
#include "ClusterClient.h"

#include <QDateTime>
#include <QSet>
#include <QThread>
#include <QVersionNumber>

#include <algorithm>
#include <utility>

namespace streamscope {

namespace {

// Bytes of the strings in a reply: what the server sent, near enough.
qint64 replyBytes(const RedisReply &reply) {
    if (!reply.isArray())
        return reply.bytes().size();
    qint64 n = 0;
    for (const RedisReply &e : reply.elements())
        n += replyBytes(e);
    return n;
}

// Did anything a user would call activity happen to the groups between two polls?
bool groupsChanged(const QList<GroupStatus> &before, const QList<GroupStatus> &now) {
    if (before.size() != now.size())
        return true;
    for (qsizetype i = 0; i < now.size(); ++i) {
        const GroupStatus &a = before.at(i);
        const GroupStatus &b = now.at(i);
        if (a.name != b.name || a.lastDeliveredId != b.lastDeliveredId || a.pending != b.pending
            || a.consumers != b.consumers || a.lag != b.lag || a.entriesRead != b.entriesRead
            || a.oldestPendingId != b.oldestPendingId)
            return true;
    }
    return false;
}

Error refused(const RedisReply &reply, const char *command, const QByteArray &key) {
    if (!reply.isError() || reply.errorCode() != "NOPERM")
        return {};
    return Error(Error::Kind::Server,
                 QStringLiteral("%1 %2: %3")
                     .arg(QLatin1String(command), QString::fromUtf8(key), reply.errorMessage()));
}

// The server's place in replication (INFO replication) into info; true when it changed.
// On a cluster each node has its own role (the topology view shows them): none is the
// deployment's.
bool readReplication(RedisClient &connection, ServerInfo *info) {
    const ServerInfo before = *info;
    if (connection.topology() == RedisClient::Topology::Cluster) {
        info->role = ServerInfo::Role::Unknown;
        info->replicationNote = QStringLiteral("a cluster: each node has its own role");
        info->roleText = QStringLiteral("cluster");
    } else if (auto reply = connection.command({"INFO", "replication"}); !reply.ok()) {
        return false; // the poll that follows reports the connection
    } else if (reply->isError()) {
        info->role = ServerInfo::Role::Unknown;
        info->replicationNote = QStringLiteral("role unknown: INFO replication was refused: %1")
                                    .arg(reply->errorMessage());
        info->roleText = QStringLiteral("role unknown");
    } else {
        const ReplicationState r = ReplicationState::fromInfo(reply->bytes());
        info->role = r.role;
        info->connectedReplicas = r.connectedReplicas;
        info->primaryEndpoint = r.primaryEndpoint();
        info->primaryLinkUp = r.role != ServerRole::Replica || r.linkUp;
        info->primaryLinkDownSinceMs =
            r.linkDownSinceSeconds >= 0
                ? QDateTime::currentMSecsSinceEpoch() - r.linkDownSinceSeconds * 1000
                : 0;
        info->replicationLagBytes = r.lagBytes;
        info->primarySilentSeconds = r.silentSeconds;
        info->replicationNote = r.lagNote;
        info->roleText = r.describe();
    }
    // The link-down clock moves by itself: only a change of more than a second is news.
    return info->role != before.role || info->connectedReplicas != before.connectedReplicas
           || info->primaryEndpoint != before.primaryEndpoint
           || info->primaryLinkUp != before.primaryLinkUp
           || qAbs(info->primaryLinkDownSinceMs - before.primaryLinkDownSinceMs) > 1500
           || info->replicationLagBytes != before.replicationLagBytes
           || (info->primarySilentSeconds > 20) != (before.primarySilentSeconds > 20)
           || info->replicationNote != before.replicationNote;
}

// How group lags are told: a replica's are counted; a role that could not be asked is taken
// as a primary's (the server's lags as they come, as before).
ServerRole lagRole(const ServerInfo &info) {
    return info.role == ServerRole::Replica ? ServerRole::Replica : ServerRole::Primary;
}

} // namespace

int ServerInfo::versionNumber() const {
    const QVersionNumber v = QVersionNumber::fromString(version);
    return v.majorVersion() * 10000 + v.minorVersion() * 100 + v.microVersion();
}

ServerInfo ServerInfo::fromInfo(const QByteArray &section) {
    ServerInfo info;
    for (const QByteArray &line : section.split('\n')) {
        const QByteArray l = line.trimmed();
        if (l.startsWith("redis_version:"))
            info.version = QString::fromUtf8(l.mid(14));
        else if (l.startsWith("redis_mode:"))
            info.mode = QString::fromUtf8(l.mid(11));
    }
    return info;
}

namespace {

StreamCatalog::Options catalogOptions(const ServerPoller::Options &o) {
    StreamCatalog::Options c;
    c.pageSize = qMax(1, o.pageSize);
    c.scanCount = qMax(1, o.scanCount);
    c.smallLimit = o.maxStreams;
    return c;
}

} // namespace

ServerPoller::ServerPoller(ConnectionSettings settings, Options options)
    : m_settings(std::move(settings))
    , m_options(std::move(options))
    , m_catalog(catalogOptions(m_options)) {
    qRegisterMetaType<StreamCatalogPage>();
    qRegisterMetaType<ServerInfo>();
    qRegisterMetaType<PollArea>();
    qRegisterMetaType<GroupSnapshot>();
    qRegisterMetaType<MissingNodeList>();
    qRegisterMetaType<TopologySnapshot>();
    qRegisterMetaType<Permissions>();
    qRegisterMetaType<ClientSample>();
    m_sampleClients = m_options.sampleClients;
    m_settings.clientName = QStringLiteral("streamscope-poll");
}

void ServerPoller::setHealthOptions(const HealthOptions &options) {
    {
        QMutexLocker lock(&m_mutex);
        m_options.health = options;
    }
    pollNow();
}

void ServerPoller::setClientSampling(bool on) {
    if (m_sampleClients.exchange(on) != on && on)
        pollNow();
}

void ServerPoller::wake() {
    m_internalWake = true;
    pollNow();
}

void ServerPoller::setWatchedStreams(const QList<QByteArray> &names) {
    {
        QMutexLocker lock(&m_mutex);
        if (names == m_viewWatched)
            return;
        m_viewWatched = names.mid(0, m_options.maxStreams);
    }
    wake();
}

void ServerPoller::requestCatalogPage() {
    {
        QMutexLocker lock(&m_mutex);
        m_pageWanted = true;
    }
    wake();
}

void ServerPoller::setCatalogPattern(const QByteArray &pattern) {
    {
        QMutexLocker lock(&m_mutex);
        m_patternWanted = pattern.isEmpty() ? QByteArray("*") : pattern;
        m_pageWanted = false; // the new pattern's first page comes anyway
    }
    wake();
}

bool ServerPoller::serveCatalog(RedisClient &connection) {
    bool wanted = false;
    {
        QMutexLocker lock(&m_mutex);
        if (m_patternWanted) {
            m_catalog.setPattern(*m_patternWanted);
            m_patternWanted.reset();
        }
        wanted = m_pageWanted;
        m_pageWanted = false;
    }
    if (m_catalog.started() && !wanted)
        return true;
    m_catalogJustStarted = !m_catalog.started();
    auto page = m_catalog.nextPage(connection);
    if (!page.ok()) {
        if (!stopFlag())
            Q_EMIT pollFailed(page.error(), PollArea::Streams);
        return connection.isOpen();
    }
    if (!stopFlag())
        Q_EMIT catalogUpdated(page.value());
    return true;
}

bool ServerPoller::updateWatchedNames() {
    QList<QByteArray> names;
    if (m_catalog.isSmall()) {
        names = m_catalog.names();
    } else {
        QMutexLocker lock(&m_mutex);
        names = m_viewWatched;
    }
    // No view said what it shows (yet): the first rows, as a view at the top would.
    if (names.isEmpty() && !m_catalog.isSmall())
        names = m_catalog.names().mid(0, qMin(50, m_options.maxStreams));
    bool fresh = false;
    for (const QByteArray &n : std::as_const(names))
        fresh = fresh || !m_watched.contains(n);
    m_names = names;
    m_truncated = !m_catalog.isSmall();
    return fresh;
}

bool ServerPoller::sampleClients(RedisClient &connection) {
    ClientSample sample;
    sample.atMs = QDateTime::currentMSecsSinceEpoch();
    QStringList missing;
    int budget = qMax(1, m_options.maxClients);
    const bool onCluster = connection.topology() == RedisClient::Topology::Cluster;
    for (const RedisClient::NodeReply &node :
         connection.onEveryPrimary({"CLIENT", "LIST", "TYPE", "normal"})) {
        if (!node.reply.ok()) {
            missing << node.endpoint;
            continue;
        }
        const RedisReply &reply = node.reply.value();
        if (reply.isError()) {
            // NOPERM, or the command renamed away: the producers stay unknown, and why.
            sample.clients.clear();
            sample.unknown =
                reply.errorCode() == "NOPERM"
                    ? QStringLiteral("no permission to run CLIENT LIST (%1): add +client|list "
                                     "to the ACL user")
                          .arg(reply.errorMessage())
                    : QStringLiteral("CLIENT LIST was refused: %1").arg(reply.errorMessage());
            if (!stopFlag())
                Q_EMIT clientsSampled(sample);
            return false;
        }
        if (budget <= 0) {
            sample.truncated = true;
            continue;
        }
        ClientSample part = parseClientList(reply.bytes(), budget, sample.atMs);
        // Client IDs are per server: on a cluster the node's endpoint tells them apart.
        const qint64 node_ = onCluster ? qint64(qHash(node.endpoint) & 0xffff) << 40 : 0;
        for (ClientInfo &c : part.clients)
            c.id |= node_;
        budget -= int(part.clients.size());
        sample.truncated = sample.truncated || part.truncated;
        sample.clients += part.clients;
    }
    if (!missing.isEmpty())
        sample.partial = QStringLiteral("%1 did not answer CLIENT LIST: producers connected "
                                        "there are not seen")
                             .arg(missing.size() == 1 ? QStringLiteral("node ") + missing.first()
                                                      : QStringLiteral("nodes ")
                                                            + missing.join(QStringLiteral(", ")));
    else if (m_role == ServerRole::Replica)
        sample.partial = QStringLiteral("connected to a replica: producers write to its primary, "
                                        "and only the replica's own clients are seen");
    if (!stopFlag())
        Q_EMIT clientsSampled(sample);
    return true;
}

void ServerPoller::run() {
    AutoClient connection(m_settings);
    connection.setCancelFlag(&stopFlag());
    bool infoSent = false;
    bool accessAsked = false;
    int version = 0;
    ServerInfo server;        // as last emitted
    qint64 roleAskedAtMs = 0; // INFO replication
    qint64 listedAtMs = 0;
    qint64 measuredAtMs = 0; // lengths
    bool truncated = false;
    bool forced = true;
    qint64 clientsAtMs = 0;      // the last CLIENT LIST
    bool clientsRefused = false; // said once; asked again after a reconnect
    while (!stopFlag()) {
        if (!connection.isOpen()) {
            infoSent = false;
            accessAsked = false; // the ACL may have changed while we were away
            clientsRefused = false;
            if (Error e = connection.open()) {
                if (!stopFlag())
                    Q_EMIT pollFailed(e, PollArea::Streams);
                // A certificate problem is reported once, tried again on F5 only.
                if (!waitAfterFailedConnect(e, qMax(m_options.intervalMs, 1000)))
                    break;
                continue;
            }
            forced = true; // what changed while we were away is not known
        }
        // The list's names first: what the window shows before any figure.
        if (m_options.catalog && !serveCatalog(connection)) {
            if (!waitForNextPoll(m_options.intervalMs))
                break;
            continue;
        }
        if (!infoSent) {
            // INFO acts on one node: on a cluster one primary answers for the deployment.
            auto info = commandOnOnePrimary(connection, {"INFO", "server"});
            if (info.ok() && !info->isError()) {
                ServerInfo parsed = ServerInfo::fromInfo(info->bytes());
                version = parsed.versionNumber();
                (void)readReplication(connection, &parsed);
                roleAskedAtMs = QDateTime::currentMSecsSinceEpoch();
                server = parsed;
                m_role = lagRole(server);
                Q_EMIT serverInfo(parsed);
                infoSent = true;
            } else if (info.ok()) {
                // Refused (an ACL user without +info): the version is unknown, and says why;
                // asking again every tick would not change the answer.
                ServerInfo unknown;
                unknown.unknownReason = versionUnknownText(connection, info.value());
                server = unknown;
                Q_EMIT serverInfo(unknown);
                infoSent = true;
            }
        }
        if (!accessAsked) {
            // Once per connection: one pipeline (ACL WHOAMI, ACL DRYRUN per command), with a
            // stream the last listing found as DRYRUN's key.
            accessAsked = true;
            const Permissions access = probePermissions(connection, m_names.value(0));
            if (!m_access || *m_access != access) {
                m_access = access;
                if (!stopFlag())
                    Q_EMIT accessUpdated(access);
            }
        }
        const bool newlyWatched = m_options.catalog && updateWatchedNames();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const bool list = forced || now - listedAtMs >= m_options.listIntervalMs;
        // Role, link and lag change (a failover, a lost primary): asked again as often as the
        // list, never every tick.
        if (infoSent && server.unknownReason.isEmpty()
            && now - roleAskedAtMs >= m_options.listIntervalMs) {
            roleAskedAtMs = now;
            const bool changed = readReplication(connection, &server);
            m_role = lagRole(server);
            if (changed && !stopFlag())
                Q_EMIT serverInfo(server);
        }
        const bool lengths =
            list || newlyWatched || now - measuredAtMs >= m_options.lengthIntervalMs;
        bool answered = true;
        bool sent = lengths;
        if (list) {
            // The node states for the topology view: one CLUSTER SHARDS a listing (the client
            // also refreshes its map on MOVED and on a lost node). A failure keeps the old map;
            // the listing says which nodes did not answer.
            if (auto *cluster = dynamic_cast<ClusterClient *>(connection.chosen()))
                (void)cluster->refreshTopology();
        }
        if (lengths) {
            const Error e = pollStreams(connection, now, list, &truncated);
            // A refusal (NOPERM) is an answer: asking again at once would not change it.
            answered = !e || e.kind == Error::Kind::Server;
            if (e && !stopFlag())
                Q_EMIT pollFailed(e, PollArea::Streams);
            if (answered) {
                listedAtMs = list ? now : listedAtMs;
                // A look at newly watched streams only is not a measurement of all.
                measuredAtMs =
                    list || now - measuredAtMs >= m_options.lengthIntervalMs ? now : measuredAtMs;
            }
            // The service map's producers: with the lengths they are matched against.
            if (answered && m_sampleClients && !clientsRefused
                && now - clientsAtMs >= m_options.clientIntervalMs) {
                clientsAtMs = now;
                clientsRefused = !sampleClients(connection);
            }
        }
        if (answered) {
            GroupSnapshot snap;
            bool groupsSent = false;
            if (Error e = pollGroups(connection, now, version, forced, &snap, &groupsSent)) {
                answered = e.kind == Error::Kind::Server;
                if (!stopFlag())
                    Q_EMIT pollFailed(e, PollArea::Groups);
            } else {
                Q_EMIT groupSnapshot(snap); // every tick: the charts sample once a second
            }
            sent = sent || groupsSent;
        }
        if (answered && !sent) { // nothing else asked this tick: is the server there?
            auto pong = connection.command({"PING"});
            answered = pong.ok();
            if (!pong.ok() && !stopFlag())
                Q_EMIT pollFailed(pong.error(), PollArea::Streams);
        }
        if (answered && !stopFlag())
            Q_EMIT this->answered(now);
        if (!waitForNextPoll(m_options.intervalMs))
            break;
        // Our own wake (a page, the watched streams) is not a request for a whole poll.
        forced = pollWasRequested() && !m_internalWake.exchange(false);
    }
    Q_EMIT finished();
}

QList<QPair<QString, QList<QByteArray>>>
ServerPoller::byNode(const RedisClient &connection, const QList<QByteArray> &names) const {
    const QList<RedisClient::Node> nodes = connection.nodes();
    QList<QPair<QString, QList<QByteArray>>> groups;
    QHash<QString, qsizetype> at;
    for (const QByteArray &name : names) {
        const QString node = primaryOf(nodes, streamSlot(connection, name));
        if (m_missing.contains(node))
            continue;
        auto it = at.constFind(node);
        if (it == at.cend()) {
            it = at.insert(node, groups.size());
            groups.append({node, {}});
        }
        groups[*it].second.append(name);
    }
    return groups;
}

void ServerPoller::nodeFailed(const RedisClient &connection, const QString &endpoint,
                              const Error &error, PollArea area) {
    QString slots;
    for (const RedisClient::Node &n : connection.nodes())
        if (n.endpoint == endpoint)
            slots = slotRangesText(n.slotRanges);
    m_missing.insert(endpoint, {endpoint, slots, error.message});
    if (stopFlag())
        return;
    const QString where = error.message.contains(QStringLiteral("cluster node %1").arg(endpoint))
                              ? QString()
                              : QStringLiteral(" (cluster node %1, slots %2 unknown)")
                                    .arg(endpoint, slots.isEmpty() ? QStringLiteral("?") : slots);
    Q_EMIT pollFailed(Error(error.kind, error.message + where), area);
    Q_EMIT nodesMissing(missingNodes());
}

MissingNodeList ServerPoller::missingNodes() const {
    MissingNodeList list = m_missing.values();
    std::sort(list.begin(), list.end(), [](const MissingNode &a, const MissingNode &b) {
        return a.slots.section(QLatin1Char('-'), 0, 0).toInt()
               < b.slots.section(QLatin1Char('-'), 0, 0).toInt();
    });
    return list;
}

TopologySnapshot ServerPoller::topologySnapshot(const RedisClient &connection, qint64 now) {
    TopologySnapshot snapshot;
    snapshot.topology = connection.topology();
    snapshot.atMs = now;
    // This process's own load on each node: every connection it holds (tail, poll, actions),
    // as a rate since the last snapshot.
    const QHash<QString, RedisConnection::Load> load = RedisConnection::loadPerEndpoint();
    const double seconds = m_lastLoadAtMs > 0 ? double(now - m_lastLoadAtMs) / 1000.0 : 0.0;
    for (const RedisClient::Node &node : connection.nodes()) {
        TopologyNode t;
        t.node = node;
        if (const auto it = m_missing.constFind(node.endpoint); it != m_missing.cend()) {
            t.node.reachable = false;
            t.state = QStringLiteral("unreachable: %1").arg(it->reason);
        } else {
            t.state = node.reachable ? QStringLiteral("ok") : QStringLiteral("fail");
        }
        if (seconds > 0) {
            const RedisConnection::Load now_ = load.value(node.endpoint);
            const RedisConnection::Load before = m_lastLoad.value(node.endpoint);
            t.ownCommandsPerSecond =
                double(qMax<qint64>(0, now_.commands - before.commands)) / seconds;
            t.ownBytesPerSecond =
                double(qMax<qint64>(0, now_.bytesReceived - before.bytesReceived)) / seconds;
        }
        snapshot.nodes.append(t);
    }
    m_lastLoad = load;
    m_lastLoadAtMs = now;
    return snapshot;
}

Error ServerPoller::pollStreams(RedisClient &connection, qint64 now, bool list, bool *truncated) {
    if (m_options.catalog) {
        if (list && !std::exchange(m_catalogJustStarted, false)) {
            // New and gone streams: the small list again, or the large one's sweep step.
            auto page = m_catalog.refresh(connection);
            if (!page.ok())
                return page.error();
            m_missing.clear();
            for (const MissingNode &m : page->missing)
                m_missing.insert(m.endpoint, m);
            if (!stopFlag())
                Q_EMIT catalogUpdated(page.value());
        }
        (void)updateWatchedNames();
        *truncated = m_truncated;
        const QSet<QByteArray> watched(m_names.cbegin(), m_names.cend());
        for (auto it = m_watched.begin(); it != m_watched.end();)
            it = watched.contains(it.key()) ? std::next(it) : m_watched.erase(it);
    } else if (list) {
        // Every primary, each with its own cursor; the nodes that cannot be scanned are named.
        auto scanned = scanStreams(connection, m_options.pattern, m_options.maxStreams, 10000);
        if (!scanned.ok())
            return scanned.error();
        m_names = scanned->names;
        *truncated = scanned->truncated;
        m_truncated = *truncated;
        m_missing.clear();
        for (const MissingNode &m : scanned->missing)
            m_missing.insert(m.endpoint, m);
        const QSet<QByteArray> listed(m_names.cbegin(), m_names.cend());
        for (auto it = m_watched.begin(); it != m_watched.end();)
            it = listed.contains(it.key()) ? std::next(it) : m_watched.erase(it);
    }

    // One node at a time: a node lost between listings is reported and skipped until the next
    // listing, and the others' figures still come.
    const bool onCluster = connection.topology() == RedisClient::Topology::Cluster;
    QSet<QByteArray> gone;
    Error refusal;
    for (const auto &[node, names] : byNode(connection, m_names)) {
        const Error e = measureNode(connection, names, now, &gone);
        if (!e)
            continue;
        if (isPermissionRefusal(e)) {
            if (e.message.startsWith(QLatin1String("XLEN")))
                return e; // the user may not read lengths: the list would only mislead
            refusal = e;  // the list still shows names and lengths
            continue;
        }
        if (!onCluster)
            return e;
        nodeFailed(connection, node, e, PollArea::Streams);
    }
    if (!gone.isEmpty()) {
        m_names.removeIf([&](const QByteArray &name) { return gone.contains(name); });
        for (const QByteArray &name : gone) {
            m_watched.remove(name);
            m_catalog.forget(name);
        }
        if (m_options.catalog && !stopFlag())
            Q_EMIT catalogUpdated(m_catalog.takeRemovals());
    }

    StreamInfoList streams;
    const QList<RedisClient::Node> nodes = connection.nodes();
    for (const QByteArray &name : m_names) {
        const Watched &w = m_watched[name];
        StreamInfo info = w.info;
        info.slot = streamSlot(connection, name);
        info.node = primaryOf(nodes, info.slot);
        if (m_missing.contains(info.node))
            continue; // its node did not answer: nodesMissing says which slots are unknown
        info.detailsCurrent = w.described && !w.stale;
        info.detailsAtMs = w.describedAtMs;
        streams.append(info);
    }
    Q_EMIT streamsListed(streams, *truncated);
    if (list) {
        Q_EMIT nodesMissing(missingNodes()); // empty when the picture is whole
        Q_EMIT topologyUpdated(topologySnapshot(connection, now));
    }
    return refusal;
}

Error ServerPoller::measureNode(RedisClient &connection, const QList<QByteArray> &names, qint64 now,
                                QSet<QByteArray> *gone) {
    // Lengths: one small integer each.
    QList<Command> lengths;
    for (const QByteArray &name : names)
        lengths.append({"XLEN", name});
    if (!lengths.isEmpty()) {
        auto replies = connection.pipeline(lengths);
        if (!replies.ok())
            return replies.error();
        for (qsizetype i = 0; i < names.size(); ++i) {
            const RedisReply &reply = replies.value()[size_t(i)];
            Watched &w = m_watched[names.at(i)];
            w.info.name = names.at(i);
            if (isKeyRefusal(reply)) {
                // Outside the user's key patterns: listed as such, its figures unknown.
                w.info = StreamInfo();
                w.info.name = names.at(i);
                w.info.noAccess = noAccessText("XLEN", reply);
                w.described = false;
                w.stale = false;
                continue;
            }
            if (Error e = refused(reply, "XLEN", names.at(i)))
                return e;
            if (!w.info.noAccess.isEmpty()) { // allowed again (the ACL changed)
                w.info.noAccess.clear();
                w.stale = true;
            }
            qint64 length = 0;
            if (!reply.toInteger(&length))
                continue;
            if (w.described && length != w.info.length) {
                w.stale = true;
                w.activeUntilMs = now + m_options.activeHoldMs;
            }
            w.info.length = length;
        }
    }

    // Details only where something changed; a big reply (large first or last entry) at most
    // every bigInfoIntervalMs.
    QList<QByteArray> describe;
    for (const QByteArray &name : names) {
        const Watched &w = m_watched[name];
        if (w.stale && (!w.big || now - w.describedAtMs >= m_options.bigInfoIntervalMs))
            describe.append(name);
    }
    Error refusal;
    constexpr qsizetype chunk = 200;
    for (qsizetype start = 0; start < describe.size(); start += chunk) {
        QList<Command> commands;
        const QList<QByteArray> part = describe.mid(start, chunk);
        for (const QByteArray &name : part)
            commands.append({"XINFO", "STREAM", name});
        auto replies = connection.pipeline(commands);
        if (!replies.ok())
            return replies.error();
        for (qsizetype i = 0; i < part.size(); ++i) {
            const RedisReply &reply = replies.value()[size_t(i)];
            if (isKeyRefusal(reply)) {
                Watched &w = m_watched[part.at(i)];
                w.info.noAccess = noAccessText("XINFO STREAM", reply);
                w.stale = false;
                continue;
            }
            if (Error e = refused(reply, "XINFO STREAM", part.at(i))) {
                refusal = e; // the list still shows names and lengths
                continue;
            }
            if (reply.isError() && !isNoSuchStream(reply))
                // Its node did not answer for it (LOADING, a redirection not followed): not gone.
                return Error(Error::Kind::Server,
                             QStringLiteral("XINFO STREAM %1: %2")
                                 .arg(QString::fromUtf8(part.at(i)), reply.errorMessage()));
            auto info = StreamInfo::fromReply(part.at(i), reply);
            if (!info) {
                gone->insert(part.at(i));
                continue;
            }
            Watched &w = m_watched[part.at(i)];
            w.info = *info;
            w.described = true;
            w.stale = false;
            w.describedAtMs = now;
            w.big = replyBytes(reply) > m_options.bigInfoBytes;
        }
    }
    return refusal;
}

Error ServerPoller::pollGroups(RedisClient &connection, qint64 now, int version, bool forced,
                               GroupSnapshot *snap, bool *sent) {
    HealthOptions health;
    {
        QMutexLocker lock(&m_mutex);
        health = m_options.health;
    }
    // One node at a time: a node that fails is reported by name (pollFailed, nodesMissing) and
    // its groups are left out until it answers again; the others' groups still come.
    *sent = false;
    const bool onCluster = connection.topology() == RedisClient::Topology::Cluster;
    StreamStatusList polled;
    QHash<QByteArray, PendingSample> pending;
    for (const auto &[node, names] : byNode(connection, m_names)) {
        StreamInfoList due;
        for (const QByteArray &name : names) {
            const Watched &w = m_watched[name];
            if (!w.info.noAccess.isEmpty())
                continue; // the user may not read it: its groups would be refused too
            if (forced || now < w.activeUntilMs || now >= w.groupsDueMs)
                due.append(w.info);
        }
        if (due.isEmpty())
            continue;
        *sent = true;
        // What the user may not run (probed on connect) is not asked every poll.
        const Permissions *access = m_access && m_access->probed ? &*m_access : nullptr;
        auto status = fetchGroupStatus(connection, due, version, &m_timeLags, true, access, m_role);
        Result<QHash<QByteArray, PendingSample>> samples = QHash<QByteArray, PendingSample>();
        if (status.ok())
            samples = fetchPendingSamples(connection, status.value(), health, access);
        if (!status.ok() || !samples.ok()) {
            const Error e = status.ok() ? samples.error() : status.error();
            if (!onCluster || isPermissionRefusal(e))
                return e; // a refusal is the same on every node
            nodeFailed(connection, node, e, PollArea::Groups);
            continue;
        }
        polled += status.value();
        pending.insert(samples.value());
    }

    for (const StreamStatus &s : polled) {
        Watched &w = m_watched[s.info.name];
        if (!s.info.noAccess.isEmpty()) { // refused since the listing (the ACL changed)
            w.info.noAccess = s.info.noAccess;
            w.status.reset();
            continue;
        }
        if (!w.status || groupsChanged(w.status->groups, s.groups))
            w.activeUntilMs = now + m_options.activeHoldMs;
        // Spread the quiet polls: a stream seen for the first time is next due somewhere in
        // the quiet interval, so that 1,000 streams do not all come due in the same tick.
        qint64 dueAt =
            now
            + (w.status
                   ? m_options.quietIntervalMs
                   : 1 + qint64(qHash(s.info.name) % uint(qMax(1, m_options.quietIntervalMs))));
        for (const GroupStatus &g : s.groups) {
            // What the groups say about the stream: added or delivered past what we know.
            if (g.entriesRead && g.lag && w.info.entriesAdded
                && *g.entriesRead + *g.lag != *w.info.entriesAdded)
                w.stale = true;
            if (w.described && g.lastDeliveredId > w.info.lastGeneratedId)
                w.stale = true;
            // A consumer with pending entries that will cross the idle threshold before the
            // next quiet poll: poll then, so a dead consumer is reported in time.
            for (const ConsumerStatus &c : g.consumerList)
                if (c.pending > 0 && c.quietMs() < health.idleThresholdMs)
                    dueAt = qMin(dueAt, now + health.idleThresholdMs - c.quietMs() + 100);
            m_findings.insert(groupKey(s.info.name, g.name),
                              m_judge.judge(s.info, g, pending.value(groupKey(s.info.name, g.name)),
                                            now, health, m_options.intervalMs));
        }
        w.info.groups = s.groups.size();
        w.groupsDueMs = dueAt;
        w.status = s;
    }

    snap->atMs = now;
    snap->quietIntervalMs = m_options.quietIntervalMs;
    snap->polledNow = int(polled.size());
    // With a catalog beyond maxStreams, what is watched is what the view shows: say how many.
    snap->streamLimit = !m_truncated        ? 0
                        : m_options.catalog ? qMax(1, int(m_names.size()))
                                            : m_options.maxStreams;
    QSet<QByteArray> live;
    const QList<RedisClient::Node> nodes = connection.nodes();
    for (const QByteArray &name : m_names) {
        const Watched &w = m_watched[name];
        if (!w.status || w.status->groups.isEmpty())
            continue;
        if (m_missing.contains(primaryOf(nodes, streamSlot(connection, name))))
            continue; // unknown now: nodesMissing says which node and slots
        snap->streams.append(*w.status);
        for (const GroupStatus &g : w.status->groups) {
            const QByteArray key = groupKey(name, g.name);
            live.insert(key);
            snap->findings.insert(key, m_findings.value(key));
        }
    }
    for (auto it = m_findings.begin(); it != m_findings.end();)
        it = live.contains(it.key()) ? std::next(it) : m_findings.erase(it);
    m_judge.forgetAllBut(live);
    m_timeLags.forgetAllBut(live);
    return {};
}

} // namespace streamscope
