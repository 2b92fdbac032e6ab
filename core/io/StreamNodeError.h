#pragma once

#include "ClusterSlots.h"
#include "RedisClient.h"

namespace streamscope {

// What a command on stream says when the transport failed: on a cluster the node that could not
// be reached is the one serving the stream's slot (often not the node in the URL), so the
// message names the stream, its slot and node, and what to do. A write whose node did not
// answer may have been applied. Other errors (the server's, read-only, usage) stay as they are.
inline Error onStreamNode(const RedisClient &client, const QByteArray &stream, Error error,
                          bool write = false) {
    if (!error.isTransient())
        return error;
    if (write && error.kind == Error::Kind::Timeout)
        error.message += QStringLiteral(" (the command may or may not have been applied: look "
                                        "before running it again)");
    if (client.topology() != RedisClient::Topology::Cluster)
        return error;
    const int slot = cluster::keySlot(stream);
    QString owner;
    for (const RedisClient::Node &n : client.nodes())
        for (const auto &[first, last] : n.slotRanges)
            if (n.primary && slot >= first && slot <= last)
                owner = n.endpoint;
    if (owner.isEmpty()) {
        error.message += QStringLiteral(". Stream %1 is in hash slot %2, which no node of the "
                                        "cluster serves now: try again once CLUSTER INFO says "
                                        "cluster_state:ok")
                             .arg(QString::fromUtf8(stream))
                             .arg(slot);
        return error;
    }
    const qsizetype colon = owner.lastIndexOf(QLatin1Char(':'));
    error.message += QStringLiteral(". Stream %1 is in hash slot %2, served by the cluster node "
                                    "%3: check that this node is up (redis-cli -h %4 -p %5 "
                                    "ping), or try again once the cluster has failed over to its "
                                    "replica (CLUSTER INFO says cluster_state:ok)")
                         .arg(QString::fromUtf8(stream))
                         .arg(slot)
                         .arg(owner, owner.left(colon), owner.mid(colon + 1));
    return error;
}

} // namespace streamscope
