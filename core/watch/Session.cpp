#include "Session.h"

#include "GroupActions.h"
#include "ReplicaRole.h"
#include "Wording.h"

#include <QDateTime>

#include <algorithm>

namespace streamscope {

namespace {

qint64 nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

Session::Session(ConnectionSettings settings, Options options, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_options(std::move(options)) {
    registerCoreMetaTypes();
    qRegisterMetaType<Freshness>();
    qRegisterMetaType<ServiceMap>();
    qRegisterMetaType<ClientSample>();
    // One switch for every connection of the session: the tail's, the pollers', the views'.
    m_settings.readOnlySwitch = std::make_shared<std::atomic<bool>>(m_settings.readOnly);
    m_deployment.masterName = m_settings.sentinel.masterName;

    m_tail = std::make_unique<TailController>(m_settings, m_options.tail);
    StreamTailer *tail = m_tail->tailer();
    connect(tail, &StreamTailer::entriesReceived, this, [this](const StreamEntryList &batch) {
        m_flow.add(batch);
        Q_EMIT entriesReceived(batch);
    });
    connect(tail, &StreamTailer::stateChanged, this,
            [this](TailState state, const QString &detail) {
                m_tailState = state;
                m_tailDetail = detail;
                Q_EMIT tailStateChanged(state, detail);
            });
    connect(tail, &StreamTailer::statsUpdated, this, [this](const TailStats &stats) {
        m_lastStats = stats;
        m_lastStatsMs = nowMs();
        m_charts.addTailStats(stats);
        Q_EMIT tailStats(stats);
    });
    connect(tail, &StreamTailer::gapDetected, this, &Session::gapDetected);
    connect(tail, &StreamTailer::streamReset, this, &Session::streamReset);
    connect(tail, &StreamTailer::topologyChanged, this, &Session::topologyChanged);
    connect(tail, &StreamTailer::streamFailed, this, &Session::streamFailed);
    connect(tail, &StreamTailer::failed, this, &Session::onFinalError);

    m_poller = std::make_unique<PollerController>(m_settings, m_options.poll);
    ServerPoller *poll = m_poller->poller();
    connect(poll, &ServerPoller::streamsListed, this, &Session::onStreamsListed);
    connect(poll, &ServerPoller::serverInfo, this, &Session::onServerInfo);
    connect(poll, &ServerPoller::catalogUpdated, this, [this](const StreamCatalogPage &page) {
        // Names a small list finds between two listings of the same search were created while
        // we watched: the tail reads them from their start. Names a new search (a filter) or
        // a scroll brings were there before: from now.
        if (!page.reset && page.sorted && page.generation == m_catalogState.generation)
            for (const QByteArray &name : page.added)
                m_createdWhileWatched.insert(name);
        else if (page.reset)
            m_createdWhileWatched.clear();
        m_catalogState = page;
        m_catalogState.added.clear();
        m_catalogState.removed.clear();
        Q_EMIT catalogUpdated(page);
    });
    connect(poll, &ServerPoller::accessUpdated, this, &Session::setAclPermissions);
    connect(poll, &ServerPoller::groupSnapshot, this, &Session::onGroupSnapshot);
    connect(poll, &ServerPoller::topologyUpdated, this, &Session::onTopology);
    connect(poll, &ServerPoller::nodesMissing, this, &Session::onNodesMissing);
    connect(poll, &ServerPoller::pollFailed, this, &Session::onPollFailed);
    connect(poll, &ServerPoller::clientsSampled, this, [this](const ClientSample &sample) {
        if (m_mapWanted)
            m_mapBuilder.addClients(sample);
    });
    connect(poll, &ServerPoller::answered, this, [this](qint64 atMs) {
        m_lastAnswerMs = atMs;
        m_everAnswered = true;
        checkAnswering();
    });

    m_actions = std::make_unique<GroupActions>(m_settings);

    m_clock.setInterval(250);
    connect(&m_clock, &QTimer::timeout, this, [this] {
        checkAnswering();
        if (m_linkDownSinceMs)
            updateDeployment(); // "link down for N s" counts on
    });
}

void Session::start() {
    if (!m_tail)
        return;
    m_lastAnswerMs = nowMs(); // the first poll is due now
    m_freshness = Freshness{Freshness::State::Current, m_lastAnswerMs, {}};
    m_charts.setFreshness(m_freshness);
    m_tail->start();
    m_poller->start();
    m_clock.start();
    Q_EMIT freshnessChanged(m_freshness);
}

void Session::stopWorkers() {
    m_clock.stop();
    if (m_poller)
        m_poller->stopInBackground();
    if (m_tail)
        m_tail->stopInBackground();
    m_poller.reset();
    m_tail.reset();
}

Session::~Session() {
    stopWorkers();
    m_actions.reset(); // does not wait either
}

void Session::pollNow() {
    if (m_poller)
        m_poller->poller()->pollNow();
}

void Session::setHealthOptions(const HealthOptions &options) {
    m_options.poll.health = options;
    if (m_poller)
        m_poller->poller()->setHealthOptions(options);
}

void Session::fetchMoreStreams() {
    if (m_poller)
        m_poller->poller()->requestCatalogPage();
}

void Session::setStreamFilter(const QByteArray &pattern) {
    if (m_poller)
        m_poller->poller()->setCatalogPattern(pattern);
}

void Session::setWatchedStreams(const QList<QByteArray> &names) {
    if (m_poller)
        m_poller->poller()->setWatchedStreams(names);
}

void Session::setServiceMapWanted(bool wanted) {
    if (wanted == m_mapWanted)
        return;
    m_mapWanted = wanted;
    if (m_poller)
        m_poller->poller()->setClientSampling(wanted);
    if (!wanted) {
        // Nothing is fed while hidden: rates and producers start again from the next look.
        m_mapBuilder.resetHistory();
        m_mapStreams.reset();
        return;
    }
    // What is known now, at once, as of the last poll (rates come with the next polls).
    if (m_groups.atMs > 0) {
        m_mapBuilder.addStreams(m_streams, m_groups.atMs);
        m_mapBuilder.addSnapshot(m_groups);
    }
    updateServiceMap();
}

void Session::updateServiceMap() {
    m_lastMap = m_mapBuilder.map();
    Q_EMIT serviceMapUpdated(m_lastMap);
}

void Session::setReadOnly(bool readOnly) {
    m_settings.readOnly = readOnly;
    if (m_settings.readOnlySwitch->exchange(readOnly) == readOnly)
        return;
    Q_EMIT readOnlyChanged(readOnly);
}

StreamTailer *Session::tailer() const {
    return m_tail ? m_tail->tailer() : nullptr;
}

ServerPoller *Session::poller() const {
    return m_poller ? m_poller->poller() : nullptr;
}

QString Session::connectionFailure() const {
    return m_connectionFailureMs > m_lastAnswerMs ? m_connectionFailure : QString();
}

void Session::onStreamsListed(const StreamInfoList &streams, bool truncated) {
    m_streams = streams;
    m_truncated = truncated;
    m_charts.addStreams(streams);
    if (m_mapWanted)
        m_mapStreams = streams;
    if (m_tail) {
        // Streams there at the first listing are tailed from now ("$"). A stream that appears
        // later was created while we watched, so all of it is new: it is read from its start
        // (or the first payments of a new payment stream would be missed, and their orders
        // would look unpaid). When the listing is cut short a "new" stream may be an old one:
        // then from now.
        const QByteArray fromForNew =
            m_listedOnce && !truncated ? QByteArray("0") : QByteArray("$");
        m_listedOnce = true;
        QSet<QByteArray> now;
        QList<QByteArray> unreadable;
        for (const StreamInfo &s : streams) {
            // A stream the user may not read is listed (marked) but not tailed: every read
            // would be refused (and land in the server's ACL LOG).
            if (!s.noAccess.isEmpty()) {
                unreadable << s.name;
                continue;
            }
            now.insert(s.name);
            m_tailedSlot.insert(s.name, s.slot);
            // In the slots of a node that was not answering, a stream seen for the first time
            // was there before (the listing could not see it): from now, or its history would
            // come in as new events.
            const bool wasUnknown = s.slot >= 0 && inSlotRanges(s.slot, m_everMissingSlots);
            if (m_tailed.contains(s.name))
                continue;
            const QByteArray from =
                wasUnknown ? QByteArray("$")
                : !m_options.poll.catalog
                    ? fromForNew
                    : (m_createdWhileWatched.remove(s.name) ? QByteArray("0") : QByteArray("$"));
            m_tail->tailer()->addStream(s.name, from);
        }
        for (const QByteArray &gone : std::as_const(m_tailed)) {
            if (now.contains(gone))
                continue;
            // Its node is not answering: the stream is unknown, not gone; the tail keeps it
            // (and goes on from where it was when the node, or its replica, answers again).
            if (isUnknownNow(gone)) {
                now.insert(gone);
                continue;
            }
            m_tail->tailer()->removeStream(gone);
            m_tailedSlot.remove(gone);
        }
        m_tailed = now;
        if (unreadable != m_unreadable) {
            m_unreadable = unreadable;
            Q_EMIT unreadableChanged(unreadable);
        }
    }
    Q_EMIT streamsListed(streams, truncated);
}

bool Session::isUnknownNow(const QByteArray &stream) const {
    const int slot = m_tailedSlot.value(stream, -1);
    for (const MissingNode &m : m_missing)
        if (m.slots.isEmpty() || (slot >= 0 && inSlotRanges(slot, parseSlotRanges(m.slots))))
            return true; // a standalone server (or a node of unknown slots) that is not answering
    return false;
}

void Session::onServerInfo(const ServerInfo &info) {
    m_deployment.server = info;
    if (info.mode == QLatin1String("cluster"))
        m_cluster = true;
    updateDeployment();
    Q_EMIT serverInfoUpdated(info);
    const bool replica = info.role == ServerInfo::Role::Replica;
    if (replica != m_wasReplica) {
        m_wasReplica = replica;
        Q_EMIT permissionsChanged(effectivePermissions());
    }
}

void Session::onTopology(const TopologySnapshot &snapshot) {
    m_cluster = snapshot.topology == RedisClient::Topology::Cluster;
    m_nodesNotOk = 0;
    for (const TopologyNode &t : snapshot.nodes)
        m_nodesNotOk += t.state == QLatin1String("ok") ? 0 : 1;
    m_deployment.topology = snapshot;
    updateDeployment();
    Q_EMIT topologyUpdated(snapshot);
}

void Session::updateDeployment() {
    const std::optional<ServerInfo> &server = m_deployment.server;
    const bool linkDown =
        server && server->role == ServerInfo::Role::Replica && !server->primaryLinkUp;
    const qint64 now = nowMs();
    // Since when the server says (master_link_down_since_seconds), else since first seen down.
    if (!linkDown)
        m_linkDownSinceMs = 0;
    else if (server->primaryLinkDownSinceMs > 0)
        m_linkDownSinceMs = server->primaryLinkDownSinceMs;
    else if (!m_linkDownSinceMs)
        m_linkDownSinceMs = now;
    m_deployment.linkDownSeconds = linkDown ? (now - m_linkDownSinceMs) / 1000 : -1;
    Q_EMIT deploymentChanged(deploymentText());
}

QString Session::deploymentText() const {
    QString text = m_deployment.text();
    if (m_cluster && m_nodesNotOk)
        text += QStringLiteral(", ") + countOf(m_nodesNotOk, "node not ok", "nodes not ok");
    return text;
}

void Session::onNodesMissing(const MissingNodeList &missing) {
    for (const MissingNode &m : missing)
        m_everMissingSlots += parseSlotRanges(m.slots);
    m_missing = missing;
    Q_EMIT nodesMissing(missing);
}

void Session::onGroupSnapshot(const GroupSnapshot &snapshot) {
    m_groups = snapshot;
    m_charts.addGroups(snapshot);
    Q_EMIT groupSnapshot(snapshot);
    if (m_mapWanted) {
        // The lengths measured in this poll, at the poll's time (the clock of the clients).
        if (m_mapStreams) {
            m_mapBuilder.addStreams(*m_mapStreams, snapshot.atMs);
            m_mapStreams.reset();
        }
        m_mapBuilder.addSnapshot(snapshot);
        updateServiceMap();
    }
    // Say it once when a group turns critical.
    for (auto it = snapshot.findings.cbegin(); it != snapshot.findings.cend(); ++it) {
        const Severity now = worstOf(it.value());
        const Severity before = m_lastSeverity.value(it.key(), Severity::Ok);
        m_lastSeverity[it.key()] = now;
        if (now == Severity::Critical && before != Severity::Critical && !it.value().isEmpty())
            Q_EMIT groupTurnedCritical(it.value().first());
    }
}

void Session::onPollFailed(const Error &error, PollArea area) {
    if (!m_poller)
        return; // the stopped poller's last word: the final error says it all
    // Lengths whose poll did not finish are not matched with a later poll's time.
    m_mapStreams.reset();
    // A poll's InvalidArgument is a bad request of ours, not the connection's: only a connect's
    // is final.
    if (error.isFinal() && error.kind != Error::Kind::InvalidArgument) {
        onFinalError(error);
        return;
    }
    if (error.kind == Error::Kind::Io || error.kind == Error::Kind::Connect
        || error.kind == Error::Kind::Protocol) {
        m_connectionFailure = error.message;
        m_connectionFailureMs = nowMs();
    }
    Q_EMIT pollFailed(error, area);
}

void Session::onFinalError(const Error &error) {
    if (!error.isFinal() || !m_tail)
        return; // a tail that gave up for another reason says so in its state; or said already
    stopWorkers();
    m_freshness = Freshness{Freshness::State::NotConnected, m_lastAnswerMs, error.message};
    m_charts.setFreshness(m_freshness);
    m_tailState = TailState::Stopped;
    Q_EMIT freshnessChanged(m_freshness);
    Q_EMIT finalError(error);
}

void Session::setAclPermissions(const Permissions &permissions) {
    m_permissions = permissions;
    Q_EMIT permissionsChanged(effectivePermissions());
}

Permissions Session::effectivePermissions() const {
    Permissions effective = m_permissions;
    const std::optional<ServerInfo> &server = m_deployment.server;
    if (server && server->role == ServerInfo::Role::Replica) {
        // Every write would only come back READONLY: say so before, with where to write.
        effective.probed = true;
        const QString why = readOnlyReplicaMessage(server->primaryEndpoint);
        for (const QByteArray &command : aclWriteCommands()) {
            effective.denied.insert(command, why);
            effective.denied.insert(command.left(command.indexOf('|')), why);
        }
    }
    return effective;
}

void Session::checkAnswering() {
    if (!m_poller || m_lastAnswerMs == 0)
        return;
    // A poll is due every interval; about 2 s past a missed one, the figures are not current.
    const qint64 now = nowMs();
    const qint64 late = now - m_lastAnswerMs;
    Freshness next;
    if (late > m_options.poll.intervalMs + 2000) {
        next.state = Freshness::State::Stale;
        const QString failure = connectionFailure();
        if (!m_everAnswered) {
            // Nothing was ever read from this server: no "last updated", and no figures.
            next.lastUpdatedMs = 0;
            next.reason = failure.isEmpty()
                              ? QStringLiteral("the server has not answered since connecting "
                                               "%1 ago")
                                    .arg(formatDuration(late))
                              : QStringLiteral("could not reach the server: %1").arg(failure);
        } else {
            next.lastUpdatedMs = m_lastAnswerMs;
            next.reason =
                failure.isEmpty()
                    ? QStringLiteral("the server has not answered for %1").arg(formatDuration(late))
                    : QStringLiteral("polls have failed for %1: %2")
                          .arg(formatDuration(late), failure);
        }
    } else {
        next.state = Freshness::State::Current;
        next.lastUpdatedMs = m_lastAnswerMs;
    }
    // The reason's duration counts on: tell the views once a second, not every tick.
    const bool changed = next.state != m_freshness.state || next.reason != m_freshness.reason;
    const bool wasStale = m_freshness.state == Freshness::State::Stale;
    m_freshness = next;
    if (changed) {
        m_charts.setFreshness(m_freshness);
        Q_EMIT freshnessChanged(m_freshness);
    }
    if (wasStale && next.isCurrent())
        Q_EMIT answersAgain();
}

} // namespace streamscope
