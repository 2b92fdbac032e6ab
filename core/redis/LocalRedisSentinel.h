#pragma once

#include "ConnectionSettings.h"
#include "Error.h"
#include "LocalRedisServer.h"
#include "RedisClient.h"

#include <QProcess>
#include <QTemporaryDir>

#include <memory>
#include <vector>

namespace streamscope {

// A private Sentinel deployment on loopback for tests: one primary and one replica
// (LocalRedisServer) and three `redis-server FILE --sentinel` processes on free ports in
// temporary directories, monitoring them as masterName with quorum 2 and short timeouts, so
// that a failover takes a few seconds. Every process dies with this one (PR_SET_PDEATHSIG).
class LocalRedisSentinel {
public:
    static constexpr int sentinelCount = 3;

    explicit LocalRedisSentinel(QString masterName = QStringLiteral("mymaster"));
    ~LocalRedisSentinel();

    // Starts the data servers, then the sentinels, and waits until every sentinel knows the
    // replica and the other sentinels (what a failover needs). The error says what is missing.
    Error start(int timeoutMs = 20000);
    void stop();

    const QString &masterName() const { return m_masterName; }
    // The data servers, 0 and 1: which one is the primary changes with failovers.
    LocalRedisServer &server(int i) { return *m_servers.at(size_t(i)); }
    quint16 sentinelPort(int i) const { return m_sentinels.at(size_t(i)).port; }
    // Stops (SIGKILL) or starts again one sentinel, on its port.
    void killSentinel(int i);
    Error startSentinel(int i, int timeoutMs = 10000);
    // SIGSTOP / SIGCONT one sentinel: it accepts connections and answers nothing, as a host
    // that hangs.
    void freezeSentinel(int i, bool frozen);

    // "redis+sentinel://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/mymaster"
    QString url() const;
    ConnectionSettings settings() const;
    // The primary's "host:port" as the sentinels name it now (the first that answers).
    Result<QString> primaryEndpoint() const;
    // The index of the data server that is the primary now, -1 when unknown.
    int primaryIndex() const;

    // SENTINEL FAILOVER, then waits until every sentinel that runs names the other server and
    // it answers ROLE as a primary. Waits first (within the timeout) until the replica is in
    // sync, which it is not right after a failover: the old primary becomes a replica only
    // about ten seconds later, when the sentinels reconfigure it.
    Error failover(int timeoutMs = 30000);
    // Waits until the server that is not the primary replicates it (link up).
    Error waitForReplica(int timeoutMs = 30000);

private:
    struct Sentinel {
        quint16 port = 0;
        std::unique_ptr<QTemporaryDir> dir;
        std::unique_ptr<QProcess> process;
    };
    Result<RedisReply> ask(int sentinel, const Command &command) const;
    Error waitUntilReady(int timeoutMs);

    QString m_masterName;
    std::vector<std::unique_ptr<LocalRedisServer>> m_servers;
    std::vector<Sentinel> m_sentinels;
};

} // namespace streamscope
