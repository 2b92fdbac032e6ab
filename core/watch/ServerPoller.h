#pragma once

#include "ConnectionSettings.h"
#include "Error.h"
#include "GroupPoller.h"
#include "Permissions.h"
#include "PollingWorker.h"
#include "RedisConnection.h"
#include "ReplicaRole.h"
#include "ServiceMap.h"
#include "StreamCatalog.h"
#include "StreamInfo.h"
#include "Topology.h"
#include "WorkerThread.h"

#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QSet>
#include <QWaitCondition>

#include <atomic>

namespace streamscope {

struct ServerInfo {
    QString version; // "7.0.15"
    QString mode;    // "standalone", "cluster", "sentinel"
    // The server's place in replication, from INFO replication; Unknown when INFO is denied
    // (unknownReason says so) or not yet asked.
    using Role = ServerRole;
    Role role = Role::Unknown;
    QString primaryEndpoint;         // a replica's primary, "host:port"
    qint64 replicationLagBytes = -1; // a replica: received, not yet applied (-1 unknown)
    bool primaryLinkUp = true;       // a replica: master_link_status is up
    QString unknownReason;           // why the version or role is unknown ("no permission: INFO")
    // Asked again with every listing (INFO replication): role, link and lag change.
    // Replicas connected to this server.
    int connectedReplicas = 0;
    // A replica whose link is down: since when (epoch ms), 0 unknown.
    qint64 primaryLinkDownSinceMs = 0;
    // A replica whose link is up: seconds since its primary was last heard from
    // (master_last_io_seconds_ago); over 20 the primary has stopped answering. -1 unknown.
    qint64 primarySilentSeconds = -1;
    // What replicationLagBytes means, or why it is unknown.
    QString replicationNote;
    // One line: "replica of 10.0.0.5:6379, link up, 0 bytes behind (received, not yet applied)".
    QString roleText;
    // 7.0.15 -> 70015, for "is this field there" decisions.
    int versionNumber() const;
    static ServerInfo fromInfo(const QByteArray &infoServerSection);
};

// Which view a poll failure affects.
enum class PollArea { Streams, Groups };

// The one place per connection that decides what to poll, off the GUI thread on its own
// connection; each fact is fetched once per interval and shared by the views:
// - the stream list: SCAN ... TYPE stream (bounded) every listIntervalMs, never KEYS;
// - lengths: pipelined XLEN of every listed stream every lengthIntervalMs (a PING on a tick
//   where nothing else is sent: the server's answer is what tells it is alive);
// - details (last ID, entries-added, first entry): XINFO STREAM, which returns the first and
//   last entries whole, only when a stream is new or changed (length, or what its groups say),
//   and for a stream whose reply is big at most every bigInfoIntervalMs. At rest: never;
// - consumer groups of every stream (no cap): XINFO GROUPS, CONSUMERS, XPENDING summaries
//   (fetchGroupStatus). Streams where something changed are polled every intervalMs, quiet
//   ones every quietIntervalMs, sooner when a consumer with pending entries will cross the
//   idle threshold: a dead consumer is reported within the threshold plus a poll.
// On a cluster every primary is listed (each its own SCAN), every stream is asked on its node,
// one node at a time: a node that cannot be reached is named (nodesMissing, with its slots;
// pollFailed) and the others' streams and groups still come. Each listing also refreshes the
// node states (one CLUSTER SHARDS) for topologyUpdated, with this process's load per node.
// Every failure is reported (pollFailed) with the server's message and the view it affects.
//
// With Options::catalog (the GUI), the stream list is a StreamCatalog instead: names in pages
// (catalogUpdated), the next page when the view asks (requestCatalogPage), a server-side
// filter (setCatalogPattern), and what is polled is what is watched: every stream while the
// server has at most maxStreams (the list is then whole and sorted, as without a catalog);
// beyond, only the streams the view names (setWatchedStreams: the rows in view and the selected
// ones, at most maxStreams), so that the cost follows what is watched, not what exists. Then
// streamsListed carries the watched streams with truncated set, and GroupSnapshot::streamLimit
// says how many are watched.
class ServerPoller : public PollingWorker {
    Q_OBJECT
public:
    struct Options {
        int intervalMs = 1000;       // a tick: active streams' groups, and "is it alive"
        int lengthIntervalMs = 2000; // XLEN of every stream
        int listIntervalMs = 6000;   // a multiple of lengthIntervalMs: a listing measures too
        int quietIntervalMs = 10000; // within "idle threshold + 10 s" for a dead consumer
        int activeHoldMs = 5000;     // a stream stays "active" this long after a change
        int bigInfoBytes = 64 * 1024;
        int bigInfoIntervalMs = 30000;
        QByteArray pattern = "*";
        int maxStreams = 1000;
        // The GUI's paged list (see above); off: every listing SCANs up to maxStreams names.
        bool catalog = false;
        int pageSize = 1000;  // catalog: names per page
        int scanCount = 1000; // catalog: SCAN COUNT
        // CLIENT LIST for the service map's producers (clientsSampled): off unless asked
        // (setClientSampling), at most every clientIntervalMs, on a length tick; on a cluster
        // every primary's; at most maxClients clients parsed.
        bool sampleClients = false;
        int clientIntervalMs = 2000;
        int maxClients = 1000;
        HealthOptions health; // windowSeconds: history the rules judge (default 30 s)
        Options() { health.windowSeconds = 30; }
    };
    ServerPoller(ConnectionSettings settings, Options options);

    void setHealthOptions(const HealthOptions &options); // thread-safe
    void setClientSampling(bool on);                     // thread-safe
    // Catalog (thread-safe; each wakes the poller without forcing a whole poll):
    // the streams the view shows or the user selected; polled beyond maxStreams streams.
    void setWatchedStreams(const QList<QByteArray> &names);
    // The next page of names (the view scrolled to the end of the list).
    void requestCatalogPage();
    // A SCAN MATCH pattern ("*" every stream): the list starts again with its first page.
    void setCatalogPattern(const QByteArray &pattern);
    Q_SLOT void run();

Q_SIGNALS:
    // Once per connection; when INFO is refused, version and mode are empty and unknownReason
    // says why ("no permission: ... add +info ...").
    void serverInfo(const streamscope::ServerInfo &info);
    // Every stream found; one the user may not read has StreamInfo::noAccess set (figures unknown).
    void streamsListed(const streamscope::StreamInfoList &streams, bool truncated);
    // The nodes missing from the last listing and group poll (a cluster node down); emitted
    // with every listing, empty when the picture is whole again.
    void nodesMissing(const streamscope::MissingNodeList &missing);
    // What the user may do (ACL), asked on every (re)connect (one pipeline); emitted on the first
    // connect and then when it changes. A stream the user may not read is not in it: it comes
    // in streamsListed with StreamInfo::noAccess set.
    void accessUpdated(const streamscope::Permissions &permissions);
    // The deployment's nodes and this process's load on each, every listing.
    void topologyUpdated(const streamscope::TopologySnapshot &topology);
    void groupSnapshot(const streamscope::GroupSnapshot &snapshot);
    void pollFailed(const streamscope::Error &error, streamscope::PollArea area);
    // CLIENT LIST, while sampling is on. A refusal (the ACL user may not run CLIENT LIST) is
    // said once, in ClientSample::unknown, and not asked again on this connection; it never
    // fails the poll.
    void clientsSampled(const streamscope::ClientSample &sample);
    // The server answered a whole poll at atMs (the GUI's "is it alive" clock).
    void answered(qint64 atMs);
    // Catalog: names for the list (a first page, a next page, new and gone streams).
    void catalogUpdated(const streamscope::StreamCatalogPage &page);

private:
    struct Watched {
        StreamInfo info;
        bool described = false; // info holds XINFO STREAM figures
        bool stale = true;      // XINFO STREAM wanted
        qint64 describedAtMs = 0;
        bool big = false; // its XINFO STREAM reply is big (large first or last entry)
        qint64 activeUntilMs = 0;
        qint64 groupsDueMs = 0; // next group poll
        std::optional<StreamStatus> status;
    };
    Error pollStreams(RedisClient &connection, qint64 now, bool list, bool *truncated);
    // XLEN, then XINFO STREAM where wanted, for the streams of one node.
    Error measureNode(RedisClient &connection, const QList<QByteArray> &names, qint64 now,
                      QSet<QByteArray> *gone);
    // *sent: whether any command was sent.
    Error pollGroups(RedisClient &connection, qint64 now, int version, bool forced,
                     GroupSnapshot *snap, bool *sent);
    // The names by the primary serving them now (one group standalone), without the nodes
    // that are missing until the next listing asks them again.
    QList<QPair<QString, QList<QByteArray>>> byNode(const RedisClient &connection,
                                                    const QList<QByteArray> &names) const;
    // A node failed between listings: it is missing until the next listing asks it again.
    void nodeFailed(const RedisClient &connection, const QString &endpoint, const Error &error,
                    PollArea area);
    MissingNodeList missingNodes() const;
    // Catalog: a first or next page when due; false when the connection failed.
    bool serveCatalog(RedisClient &connection);
    // Catalog: m_names from the catalog and the view's set; true when a name is new to it.
    bool updateWatchedNames();
    void wake();
    // One CLIENT LIST per primary; false when it was refused (said once, not asked again).
    bool sampleClients(RedisClient &connection);
    TopologySnapshot topologySnapshot(const RedisClient &connection, qint64 now);

    ConnectionSettings m_settings;
    Options m_options;
    QList<QByteArray> m_names;
    bool m_truncated = false; // more streams match than maxStreams
    QHash<QByteArray, Watched> m_watched;
    TimeLagCache m_timeLags;
    GroupJudge m_judge;
    QHash<QByteArray, FindingList> m_findings;
    QHash<QString, MissingNode> m_missing; // by endpoint: what the last listing could not see
    QHash<QString, RedisConnection::Load> m_lastLoad; // for the topology's own load per node
    std::optional<Permissions> m_access;              // the last emitted by accessUpdated
    qint64 m_lastLoadAtMs = 0;
    // From INFO replication, for the group lags (a replica's are counted); Primary when it
    // could not be told: the server's lags are taken as they come.
    ServerRole m_role = ServerRole::Primary;
    std::atomic<bool> m_sampleClients{false};

    // Catalog.
    StreamCatalog m_catalog;
    QList<QByteArray> m_viewWatched;           // guarded by m_mutex
    bool m_pageWanted = false;                 // guarded by m_mutex
    std::optional<QByteArray> m_patternWanted; // guarded by m_mutex
    std::atomic<bool> m_internalWake{false};
    bool m_catalogJustStarted = false; // its first page was made this tick: no refresh   // the
                                       // last wake was ours, not a poll request
};

// The poller on its own thread, "streamscope-poll".
class PollerController : public WorkerThread<ServerPoller> {
public:
    PollerController(ConnectionSettings settings, ServerPoller::Options options)
        : WorkerThread(QStringLiteral("streamscope-poll"),
                       std::make_unique<ServerPoller>(std::move(settings), std::move(options))) {}
    ServerPoller *poller() const { return worker(); }
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::ServerInfo)
Q_DECLARE_METATYPE(streamscope::PollArea)
