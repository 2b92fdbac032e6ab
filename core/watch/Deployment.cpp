#include "Deployment.h"

#include <QLocale>
#include <QObject>

namespace streamscope {

QList<QPair<int, int>> parseSlotRanges(const QString &text) {
    QList<QPair<int, int>> ranges;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QStringList ends = part.trimmed().split(QLatin1Char('-'));
        bool firstOk = false, lastOk = false;
        const int first = ends.value(0).toInt(&firstOk);
        const int last = ends.size() > 1 ? ends.value(1).toInt(&lastOk) : first;
        if (firstOk && (ends.size() == 1 || lastOk) && ends.size() <= 2)
            ranges.append({first, last});
    }
    return ranges;
}

bool inSlotRanges(int slot, const QList<QPair<int, int>> &ranges) {
    for (const auto &[first, last] : ranges)
        if (slot >= first && slot <= last)
            return true;
    return false;
}

QString deploymentText(const TopologySnapshot &snapshot) {
    switch (snapshot.topology) {
    case RedisClient::Topology::Standalone:
        return QObject::tr("standalone");
    case RedisClient::Topology::Sentinel:
        return QObject::tr("sentinel");
    case RedisClient::Topology::Cluster:
        break;
    }
    const int primaries = snapshot.primaryCount();
    return primaries == 1 ? QObject::tr("cluster, 1 primary")
                          : QObject::tr("cluster, %1 primaries").arg(primaries);
}

QString DeploymentStatus::text() const {
    const RedisClient::Topology kind =
        topology ? topology->topology : RedisClient::Topology::Standalone;
    if (kind == RedisClient::Topology::Cluster)
        return deploymentText(*topology);
    if (kind == RedisClient::Topology::Sentinel) {
        QString primary;
        for (const TopologyNode &t : topology->nodes)
            if (t.node.primary && primary.isEmpty())
                primary = t.node.endpoint;
        const QString name = masterName.isEmpty() ? QObject::tr("sentinel")
                                                  : QObject::tr("sentinel %1").arg(masterName);
        return primary.isEmpty() ? name : QObject::tr("%1: primary %2").arg(name, primary);
    }
    if (!server || server->role == ServerInfo::Role::Unknown) {
        if (server && !server->unknownReason.isEmpty())
            return QObject::tr("standalone, role unknown (%1)").arg(server->unknownReason);
        return QObject::tr("standalone");
    }
    if (server->role == ServerInfo::Role::Primary)
        return server->connectedReplicas <= 0 ? QObject::tr("primary")
               : server->connectedReplicas == 1
                   ? QObject::tr("primary, 1 replica")
                   : QObject::tr("primary, %1 replicas").arg(server->connectedReplicas);
    const QString of = server->primaryEndpoint.isEmpty()
                           ? QObject::tr("replica")
                           : QObject::tr("replica of %1").arg(server->primaryEndpoint);
    if (!server->primaryLinkUp)
        return linkDownSeconds >= 0
                   ? QObject::tr("%1, link down for %2 s").arg(of).arg(linkDownSeconds)
                   : QObject::tr("%1, link down").arg(of);
    if (server->primarySilentSeconds > 20) // pinged every 10 s: it stopped answering
        return QObject::tr("%1, nothing heard from the primary for %2 s")
            .arg(of)
            .arg(server->primarySilentSeconds);
    if (server->replicationLagBytes < 0)
        return QObject::tr("%1, lag unknown").arg(of);
    return QObject::tr("%1, %2 behind")
        .arg(of, QLocale().formattedDataSize(server->replicationLagBytes, 1,
                                             QLocale::DataSizeIecFormat));
}

QString missingNodesText(const MissingNodeList &missing, const QString &consequence) {
    QStringList nodes;
    for (const MissingNode &m : missing)
        nodes << (m.slots.isEmpty() ? m.endpoint
                                    : QObject::tr("%1 (slots %2)").arg(m.endpoint, m.slots));
    if (nodes.isEmpty())
        return {};
    return QObject::tr("%1 not answering: %2").arg(nodes.join(QStringLiteral(", ")), consequence);
}

} // namespace streamscope
