#pragma once

#include "RedisClient.h"
#include "RedisConnection.h"

#include <QElapsedTimer>

#include <functional>
#include <memory>

namespace streamscope {

// The primary that Redis Sentinel names for one master, behind the RedisClient interface: to
// callers it is one server (command, nodes(), commandOn on the primary) that follows failovers.
//
// open() asks the sentinels in turn (the one that answered last first; with sentinel.user and
// sentinel.password) SENTINEL GET-MASTER-ADDR-BY-NAME, connects to the address named with
// settings.forServer (the URL's credentials and database, TLS and SSH as for the sentinels) and
// checks with ROLE that it is a primary. During a failover a sentinel may name a server that is
// (still, or already) a replica: the sentinels are asked again after a short pause, within the
// connect timeout.
//
// Failovers are followed: after a lost connection (Io, Connect, Timeout), after a READONLY
// reply, and before a command at most every recheckIntervalMs, the sentinels are asked again;
// when they name another server that is a primary, the client moves there (failovers() grows).
// The periodic question matters: after SENTINEL FAILOVER the old primary goes on accepting
// writes for about ten seconds before the sentinels make it a replica (and it drops what it got
// meanwhile), so a client that waited for READONLY would write that long into data the failover
// throws away. A command refused with READONLY was not applied: it is sent again on the new
// primary, once. Reads lost with the connection are sent again there; writes are not (the error
// says they may or may not have been applied).
class SentinelClient : public RedisClient {
public:
    static constexpr int recheckIntervalMs = 1000;
    static constexpr int askAgainPauseMs = 200;
    // A sentinel is a small local service: one that does not answer this fast is skipped.
    static constexpr int sentinelTimeoutMs = 1000;

    explicit SentinelClient(ConnectionSettings settings);
    ~SentinelClient() override;

    Topology topology() const override { return Topology::Sentinel; }
    Error open() override;
    void close() override;
    bool isOpen() const override { return m_primary && m_primary->isOpen(); }

    Result<RedisReply> command(const Command &args, int timeoutMs = -1) override;
    Result<std::vector<RedisReply>> pipeline(const QList<Command> &commands,
                                             int timeoutMs = -1) override;
    Result<RedisReply> commandEntries(const Command &args, int entriesDepth, StreamEntryList *out,
                                      int timeoutMs = -1, const QByteArray &stream = {}) override;

    // The primary (serving every slot, for primaries()) and its replicas as the sentinels listed
    // them at the last question (not primaries; reachable unless the sentinels think them down).
    QList<Node> nodes() const override;
    // The primary's endpoint only: SCAN's cursor and INFO belong to it. An endpoint that was the
    // primary before a failover is refused, naming the new one.
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

    // "host:port" of the primary now (empty before the first open), and of the one before the
    // last failover.
    QString primaryEndpoint() const { return m_endpoint; }
    QString previousPrimary() const { return m_previousEndpoint; }
    // Grows each time the client moved to another server than the one it was on: a long-lived
    // reader compares it after its commands to learn that its data now comes from elsewhere.
    qint64 failovers() const { return m_failovers; }
    // Questions sent to sentinels so far (load, tests).
    qint64 sentinelQueries() const { return m_sentinelQueries; }
    // 0: ask the sentinels only after a lost connection or a READONLY reply.
    void setRecheckIntervalMs(int ms) { m_recheckMs = ms; }

private:
    using Send = std::function<Result<std::vector<RedisReply>>(RedisConnection &)>;

    struct Named {
        bool known = false; // false: the sentinel does not know the master's name
        ConnectionSettings::HostPort at;
        QString sentinel;     // who said so
        QList<Node> replicas; // the master's replicas as that sentinel sees them
    };

    // The one loop of command(), pipeline() and commandEntries(): the periodic question, the
    // command, and after a lost connection or READONLY the move to the new primary.
    Result<std::vector<RedisReply>> run(const QList<Command> &commands, const Send &send);
    // Asks the sentinels until one names a primary that answers as one, within budgetMs.
    Error findPrimary(int budgetMs);
    // Asks the sentinels (from the last one that answered); moves to what they name when it is
    // another server than current and a primary. waitMs > 0: while they still name current (or
    // a replica), asks again every askAgainPauseMs that long. oneSentinel: the periodic question
    // tries only the sentinel it asked last (a sentinel that does not answer moves the next
    // question on to the next one), so that it never holds a command up for long. True when the
    // client moved.
    bool moveIfFailedOver(const QString &current, int waitMs, QString *why,
                          bool oneSentinel = false);
    // One sentinel's answer (its connection is kept for the next question).
    Result<Named> ask(qsizetype index);
    // Connects to a server a sentinel named; fails unless it is a primary.
    Result<std::unique_ptr<RedisConnection>> connectPrimary(const ConnectionSettings::HostPort &at,
                                                            bool *isReplica);
    void adopt(std::unique_ptr<RedisConnection> primary, const Named &named);
    void learnReplicas(const QList<Node> &replicas);
    QStringList masterNames(RedisConnection &sentinel);
    ConnectionSettings sentinelSettings(const ConnectionSettings::HostPort &at) const;
    QString masterText() const;
    bool cancelled() const { return m_cancel && m_cancel->load(std::memory_order_relaxed); }
    bool pause(int ms) const; // false when cancelled

    ConnectionSettings m_settings;
    std::unique_ptr<RedisConnection> m_primary;
    QString m_endpoint;
    QString m_previousEndpoint;
    std::unique_ptr<RedisConnection> m_sentinel; // to sentinel m_sentinelAt
    qsizetype m_sentinelAt = 0;
    QList<Node> m_replicas;
    QElapsedTimer m_sinceCheck;
    int m_recheckMs = recheckIntervalMs;
    const std::atomic<bool> *m_cancel = nullptr;
    bool m_readOnly = false;
    qint64 m_failovers = 0;
    qint64 m_sentinelQueries = 0;
    qint64 m_closedBytes = 0;
    qint64 m_closedCommands = 0;
};

} // namespace streamscope
