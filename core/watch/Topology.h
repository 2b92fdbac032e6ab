#pragma once

#include "RedisClient.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace streamscope {

// What the GUI's topology view shows, polled by ServerPoller with the rest (CLUSTER SHARDS or
// SLOTS through the client's map, refreshed when the client refreshes it): every node, its
// role, slots and state, and StreamScope's own load on it.
struct TopologyNode {
    RedisClient::Node node;          // endpoint, id, primary, primaryId, slotRanges, reachable
    QString state;                   // "ok", "fail", "unreachable: <why>"
    double ownCommandsPerSecond = 0; // this process's commands to it (all its connections)
    double ownBytesPerSecond = 0;    // bytes this process received from it
};

struct TopologySnapshot {
    RedisClient::Topology topology = RedisClient::Topology::Standalone;
    QList<TopologyNode> nodes;
    qint64 atMs = 0;
    int primaryCount() const {
        int n = 0;
        for (const TopologyNode &t : nodes)
            n += t.node.primary && !t.node.slotRanges.isEmpty() ? 1 : 0;
        return n;
    }
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::TopologySnapshot)
