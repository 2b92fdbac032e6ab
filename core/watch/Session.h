#pragma once

#include "ChartHistories.h"
#include "ConnectionSettings.h"
#include "Deployment.h"
#include "FlowTracker.h"
#include "Freshness.h"
#include "GroupPoller.h"
#include "Health.h"
#include "Permissions.h"
#include "ServerPoller.h"
#include "ServiceMap.h"
#include "StreamTailer.h"

#include <QObject>
#include <QSet>
#include <QTimer>

#include <memory>
#include <optional>

namespace streamscope {

class GroupActions;

// Everything that belongs to one connection, and nothing else: its workers (the tail, the
// pollers, the requests of the views), what they learnt (the streams, the deployment, the
// permissions, the health alerts), the flow tracker and how fresh all of it is. A window makes
// one per connection and replaces it whole on connect, so nothing of server A can stay on
// screen, or arrive late, once it watches server B: the old session's queued signals die with
// it.
//
// Views bind to the current session's signals; they never talk to its workers' threads. No
// widgets here: the GUI, tests and (later) a headless monitor use it alike.
class Session : public QObject {
    Q_OBJECT
public:
    struct Options {
        ServerPoller::Options poll;
        StreamTailer::Options tail;
    };

    // Nothing starts before start(): connect to the signals first.
    Session(ConnectionSettings settings, Options options, QObject *parent = nullptr);
    // Stops every worker without waiting on the network: a worker inside a command to a server
    // that does not answer finishes in the background, and says nothing more.
    ~Session() override;

    void start();
    // F5: poll now.
    void pollNow();
    void setHealthOptions(const HealthOptions &options);
    // The stream list, paged (with Options::poll.catalog; see ServerPoller): the next page of
    // names, a server-side filter (a SCAN MATCH pattern, "*" or empty for every stream), and the
    // streams the view shows or the user selected. Beyond poll.maxStreams streams only these
    // are polled and tailed; catalogUpdated brings the names.
    void fetchMoreStreams();
    void setStreamFilter(const QByteArray &pattern);
    void setWatchedStreams(const QList<QByteArray> &names);
    bool isPaged() const { return m_options.poll.catalog; }
    // The last page's facts (how many listed, complete, how far searched; its names dropped).
    const StreamCatalogPage &catalogState() const { return m_catalogState; }
    // The streams the tail follows now (with the catalog beyond maxStreams: the watched ones).
    int tailedCount() const { return int(m_tailed.size()); }
    // The service map is built (and CLIENT LIST sampled for its producers) only while wanted:
    // the window says so when the map's tab is shown or hidden. Wanted, serviceMapUpdated comes
    // at once and then with every poll.
    void setServiceMapWanted(bool wanted);
    bool isServiceMapWanted() const { return m_mapWanted; }
    // The last map built (empty when it was never wanted).
    const ServiceMap &serviceMap() const { return m_lastMap; }

    // The settings every connection of the session was made from (with the read-only switch).
    const ConnectionSettings &settings() const { return m_settings; }
    // Read-only mode, changed in place: every connection consults the same switch, so nothing
    // reconnects and no view is reloaded.
    bool isReadOnly() const { return m_settings.readOnlyNow(); }
    void setReadOnly(bool readOnly);

    GroupActions *actions() const { return m_actions.get(); }
    FlowTracker *flowTracker() { return &m_flow; }
    // The charts' histories of this connection (rates, lengths, lag, pending).
    ChartHistories *chartHistories() { return &m_charts; }
    // The current workers (null once stopped by a final error): tests emit their signals.
    StreamTailer *tailer() const;
    ServerPoller *poller() const;
    bool isRunning() const { return m_tail != nullptr; }

    // What the session has learnt, as of its last answers.
    const StreamInfoList &streams() const { return m_streams; }
    bool streamsTruncated() const { return m_truncated; }
    const QList<QByteArray> &unreadableStreams() const { return m_unreadable; }
    const MissingNodeList &missingNodes() const { return m_missing; }
    const DeploymentStatus &deployment() const { return m_deployment; }
    bool isCluster() const { return m_cluster; }
    int nodesNotOk() const { return m_nodesNotOk; }
    // "cluster, 3 primaries, 1 node not ok", "replica of H:P, link down for 12 s", ...
    QString deploymentText() const;
    // What the actions may do: the ACL user's permissions, and no writes on a replica.
    Permissions effectivePermissions() const;
    const Permissions &aclPermissions() const { return m_permissions; }
    std::optional<ServerInfo> serverInfo() const { return m_deployment.server; }
    TailState tailState() const { return m_tailState; }
    QString tailDetail() const { return m_tailDetail; }
    std::optional<TailStats> lastTailStats() const { return m_lastStats; }
    qint64 lastTailStatsMs() const { return m_lastStatsMs; }
    const GroupSnapshot &lastGroups() const { return m_groups; }
    // Current: the last poll answered in time. Stale: it did not (or polls fail), since
    // lastUpdatedMs (0 when the server never answered this connection). NotConnected after a
    // final error stopped the workers.
    bool everAnswered() const { return m_everAnswered; }
    Freshness freshness() const { return m_freshness; }
    // The last poll that failed on the connection itself (closed, refused), if it is the news.
    QString connectionFailure() const;
    // Alerts: groups that turned critical this session (each said once per turn).
    const QHash<QByteArray, Severity> &severities() const { return m_lastSeverity; }

Q_SIGNALS:
    // From the tail.
    void entriesReceived(const streamscope::StreamEntryList &batch);
    void tailStateChanged(streamscope::TailState state, const QString &detail);
    void tailStats(const streamscope::TailStats &stats);
    void gapDetected(const streamscope::TailGap &gap);
    void streamReset(const streamscope::TailReset &reset);
    void topologyChanged(const QString &message);
    void streamFailed(const QByteArray &stream, const QString &message);
    // From the pollers.
    void streamsListed(const streamscope::StreamInfoList &streams, bool truncated);
    // The paged list's names (first page, next page, new and gone streams).
    void catalogUpdated(const streamscope::StreamCatalogPage &page);
    void unreadableChanged(const QList<QByteArray> &streams);
    void serverInfoUpdated(const streamscope::ServerInfo &info);
    void groupSnapshot(const streamscope::GroupSnapshot &snapshot);
    void topologyUpdated(const streamscope::TopologySnapshot &snapshot);
    void nodesMissing(const streamscope::MissingNodeList &missing);
    void pollFailed(const streamscope::Error &error, streamscope::PollArea area);
    // The effective permissions changed (the ACL's, or the server became a replica).
    void permissionsChanged(const streamscope::Permissions &effective);
    void deploymentChanged(const QString &text);
    void freshnessChanged(const streamscope::Freshness &freshness);
    void readOnlyChanged(bool readOnly);
    // A certificate, host key or authentication problem: every worker has stopped (retrying
    // cannot help); the window says so until the user connects again.
    void finalError(const streamscope::Error &error);
    // A group turned critical (once per turn, not every poll).
    void groupTurnedCritical(const streamscope::Finding &finding);
    // The server answers again after not answering.
    void answersAgain();
    // The service map, while wanted (setServiceMapWanted): once a poll.
    void serviceMapUpdated(const streamscope::ServiceMap &map);

private:
    void onStreamsListed(const StreamInfoList &streams, bool truncated);
    void onServerInfo(const ServerInfo &info);
    void onTopology(const TopologySnapshot &snapshot);
    void onNodesMissing(const MissingNodeList &missing);
    void onGroupSnapshot(const GroupSnapshot &snapshot);
    void onPollFailed(const Error &error, PollArea area);
    void onFinalError(const Error &error);
    void setAclPermissions(const Permissions &permissions);
    void checkAnswering();
    void updateDeployment();
    bool isUnknownNow(const QByteArray &stream) const;
    void stopWorkers();
    void updateServiceMap();

    ConnectionSettings m_settings;
    Options m_options;
    std::unique_ptr<TailController> m_tail;
    std::unique_ptr<PollerController> m_poller;
    std::unique_ptr<GroupActions> m_actions;
    FlowTracker m_flow;
    ChartHistories m_charts;
    QTimer m_clock; // freshness and the "link down for N s" count

    StreamInfoList m_streams;
    bool m_truncated = false;
    StreamCatalogPage m_catalogState;
    QSet<QByteArray> m_createdWhileWatched; // paged: new since the last listing, not yet tailed
    QList<QByteArray> m_unreadable;
    MissingNodeList m_missing;
    GroupSnapshot m_groups;
    DeploymentStatus m_deployment;
    bool m_cluster = false;
    int m_nodesNotOk = 0;
    qint64 m_linkDownSinceMs = 0;
    Permissions m_permissions;
    bool m_wasReplica = false;
    TailState m_tailState = TailState::Stopped;
    QString m_tailDetail;
    std::optional<TailStats> m_lastStats;
    qint64 m_lastStatsMs = 0;
    QHash<QByteArray, Severity> m_lastSeverity;

    // The service map: fed while wanted; streams wait for the poll's snapshot, whose time is
    // the poller's (the client samples' clock).
    ServiceMapBuilder m_mapBuilder;
    ServiceMap m_lastMap;
    bool m_mapWanted = false;
    std::optional<StreamInfoList> m_mapStreams;

    // Tailing: what is tailed, and where (cluster slots), so that a node that does not answer
    // does not make its streams look gone, nor their history new.
    QSet<QByteArray> m_tailed;
    QHash<QByteArray, int> m_tailedSlot;
    QList<QPair<int, int>> m_everMissingSlots;
    bool m_listedOnce = false;

    // Freshness.
    Freshness m_freshness;
    qint64 m_lastAnswerMs = 0;
    bool m_everAnswered = false; // a poll of this connection was ever answered
    QString m_connectionFailure;
    qint64 m_connectionFailureMs = 0;
};

} // namespace streamscope
