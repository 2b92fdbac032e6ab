#pragma once

#include "ConnectionSettings.h"
#include "Error.h"
#include "LocalRedisServer.h"

#include <memory>
#include <vector>

namespace streamscope {

// A private Redis Cluster on loopback: primaries × (1 + replicas) LocalRedisServers started with
// --cluster-enabled yes on free ports (each in its own temporary directory, each dying with
// this process, even a SIGKILLed one), joined with `redis-cli --cluster create`. Used by the
// cluster tests and by `streamscope --demo --cluster`.
class LocalRedisCluster {
public:
    struct Options {
        int primaries = 3;
        int replicasPerPrimary = 1;
        int nodeTimeoutMs = 2000; // how soon a dead primary is replaced
        QString password;         // requirepass (and masterauth) on every node, when not empty
    };

    LocalRedisCluster();
    explicit LocalRedisCluster(Options options);
    ~LocalRedisCluster();

    // Starts every node, creates the cluster and waits until every node reports
    // cluster_state:ok and knows every other node. The error says which step failed, with the
    // output of redis-cli or a node's log.
    Error start(int timeoutMs = 60000);
    void stop();

    int size() const { return int(m_nodes.size()); }
    LocalRedisServer &node(int i) { return *m_nodes.at(size_t(i)); }
    // Node i's URL and settings; node 0 is a primary right after start().
    QString url(int i = 0) const;
    ConnectionSettings settings(int i = 0) const;
    // Waits until every running node reports cluster_state:ok (after a failover, a kill).
    Error waitUntilHealthy(int timeoutMs = 30000) const;

    static QString cliExecutable(); // redis-cli on PATH, or empty

private:
    Options m_options;
    std::vector<std::unique_ptr<LocalRedisServer>> m_nodes;
};

} // namespace streamscope
