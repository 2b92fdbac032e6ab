#pragma once

#include "ClusterSlots.h"
#include "RedisClient.h"
#include "RedisConnection.h"

#include <QHash>

#include <map>
#include <memory>
#include <vector>

namespace streamscope {

// A Redis Cluster behind the RedisClient interface. It starts from any node's URL (a primary
// or a replica), learns the slot map (CLUSTER SHARDS, or CLUSTER SLOTS before 7.0) and keeps
// one RedisConnection per node it needs, made from the same settings (credentials, TLS,
// timeouts, read-only mode), opened when first needed.
//
// Each command goes to the primary of its keys' slot (ClusterSlots' table of key positions;
// keys of one command or one MULTI/EXEC block must share a slot, else it is refused before
// anything is sent). A pipeline is split per node and its replies come back in the caller's
// order. MOVED refreshes the map and retries; ASK retries once on the importing node after
// ASKING; each command at most maxRedirections times. When a node's connection is lost, the map is
// refreshed from another node and reads are retried until the command timeout; writes are not
// (the error says they may or may not have been applied), so nothing is done twice.
class ClusterClient : public RedisClient {
public:
    static constexpr int maxRedirections = 5;

    explicit ClusterClient(ConnectionSettings settings);
    // Takes over an open connection to the node in settings (openClient's probe).
    ClusterClient(ConnectionSettings settings, std::unique_ptr<RedisConnection> seed);
    ~ClusterClient() override;

    Topology topology() const override { return Topology::Cluster; }
    Error open() override;
    void close() override;
    bool isOpen() const override { return m_open; }

    Result<RedisReply> command(const Command &args, int timeoutMs = -1) override;
    Result<std::vector<RedisReply>> pipeline(const QList<Command> &commands,
                                             int timeoutMs = -1) override;
    Result<RedisReply> commandEntries(const Command &args, int entriesDepth, StreamEntryList *out,
                                      int timeoutMs = -1, const QByteArray &stream = {}) override;

    // Entries commands (as commandEntries: XREAD is entriesDepth 2), each of one slot, read
    // from their nodes at once: every node's commands leave before any reply is read, so the
    // nodes work while earlier replies are parsed. (*outs)[i] gets command i's entries, the
    // replies their skeletons, in the caller's order. A command whose node redirects or is lost
    // is then done alone through commandEntries (with its retries): for reads only.
    Result<std::vector<RedisReply>> entriesOnNodes(const QList<Command> &commands, int entriesDepth,
                                                   std::vector<StreamEntryList> *outs,
                                                   int timeoutMs = -1);

    QList<Node> nodes() const override { return m_nodes; }
    Result<RedisReply> commandOn(const QString &endpoint, const Command &args,
                                 int timeoutMs = -1) override;

    void setReadOnly(bool readOnly) override;
    bool isReadOnly() const override { return m_readOnly; }
    void setMaxReplyBytes(qint64 bytes) override;
    qint64 maxReplyBytes() const override { return m_settings.maxReplyBytes; }
    void setCancelFlag(const std::atomic<bool> *flag) override;

    const ConnectionSettings &settings() const override { return m_settings; }
    qint64 bytesReceived() const override;
    qint64 commandsSent() const override;

    // Asks the known nodes (then the seed) for the slot map; the first that answers wins:
    // preferEndpoint first (a MOVED target), avoidEndpoint last (a node just lost).
    Error refreshTopology(const QString &avoidEndpoint = {}, const QString &preferEndpoint = {});
    // The primary serving slot ("host:port"), empty when no node covers it.
    QString endpointForSlot(int slot) const;
    // MOVED and ASK replies followed, and map refreshes done: for tests and the GUI's load view.
    qint64 redirections() const { return m_redirections; }
    qint64 topologyRefreshes() const { return m_refreshes; }
    // Grows whenever the slot map or the set of primaries changes (a failover, a slot moved):
    // a long-lived reader compares it after its commands to learn that its nodes changed.
    qint64 topologyVersion() const { return m_topologyVersion; }
    // Grows with every node connection opened (first use, or again after one was lost or
    // cancelled): a reader that checks a server's identity (run_id) on connect asks again.
    qint64 connectionsOpened() const { return m_connectionsOpened; }
    // "0-5460,10923" for messages.
    static QString slotRangesText(const QList<QPair<int, int>> &ranges);

private:
    // The commands that must go to one node together: one command, or MULTI ... EXEC.
    struct Unit {
        qsizetype first = 0;
        qsizetype count = 1;
        int slot = -1; // -1: any node
        bool readOnly = true;
        QString target;
        bool asking = false;
    };

    // Where the entries of an entries command go (commandEntries); null for plain replies.
    struct EntriesRead {
        int depth = 0;
        StreamEntryList *out = nullptr;
        QByteArray stream;
    };

    // The one routing loop of pipeline(), command() and commandEntries(): plans, sends one
    // batch per node, follows MOVED/ASK, waits out TRYAGAIN/CLUSTERDOWN and retries reads
    // after a lost node, all within the timeout. With entries, commands holds one command.
    Result<std::vector<RedisReply>> route(const QList<Command> &commands, int timeoutMs,
                                          const EntriesRead *entries);
    // One node's batch (ASKING first when asking); with entries, its one command's entries go
    // to entries->out and the reply list holds ASKING's reply (if sent) and the skeleton.
    Result<std::vector<RedisReply>> sendTo(RedisConnection &node, const QList<Command> &batch,
                                           bool asking, int timeoutMs, const EntriesRead *entries);
    Result<std::vector<Unit>> plan(const QList<Command> &commands) const;
    void setSlotOwner(int slot, const QString &endpoint);
    void adoptMap(QList<Node> nodes, std::vector<QString> owner);
    Error refuseWrites(const QList<Command> &commands) const;
    QString anyNode() const;
    ConnectionSettings nodeSettings(const QString &endpoint) const;
    Result<RedisConnection *> connectionTo(const QString &endpoint);
    Result<RedisReply> askForSlots(RedisConnection &connection);
    Error adoptShards(const RedisReply &shards, const QString &from);
    Error adoptSlots(const RedisReply &slots, const QString &from);
    QString endpointOf(const QString &host, qint64 port, const QString &from) const;
    bool cancelled() const { return m_cancel && m_cancel->load(std::memory_order_relaxed); }

    ConnectionSettings m_settings;
    std::map<QString, std::unique_ptr<RedisConnection>> m_connections;
    QList<Node> m_nodes;
    std::vector<QString> m_slotOwner; // endpoint per slot
    const std::atomic<bool> *m_cancel = nullptr;
    bool m_readOnly = false;
    bool m_open = false;
    qint64 m_redirections = 0;
    qint64 m_refreshes = 0;
    qint64 m_topologyVersion = 0;
    qint64 m_connectionsOpened = 0;
    qint64 m_closedBytes = 0;
    qint64 m_closedCommands = 0;
};

} // namespace streamscope
