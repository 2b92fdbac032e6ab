#include "ReplicaRole.h"

#include <QHash>

#include <optional>

namespace streamscope {

namespace {

QHash<QByteArray, QByteArray> fields(const QByteArray &info) {
    QHash<QByteArray, QByteArray> out;
    for (const QByteArray &line : info.split('\n')) {
        const QByteArray l = line.trimmed();
        const qsizetype colon = l.indexOf(':');
        if (colon > 0 && !l.startsWith('#'))
            out.insert(l.left(colon), l.mid(colon + 1));
    }
    return out;
}

std::optional<qint64> number(const QHash<QByteArray, QByteArray> &f, const QByteArray &key) {
    const auto it = f.constFind(key);
    if (it == f.cend())
        return std::nullopt;
    bool ok = false;
    const qint64 v = it->toLongLong(&ok);
    return ok ? std::optional<qint64>(v) : std::nullopt;
}

} // namespace

QString ReplicationState::primaryEndpoint() const {
    if (role != ServerRole::Replica || primaryHost.isEmpty())
        return {};
    return QStringLiteral("%1:%2").arg(primaryHost).arg(primaryPort);
}

ReplicationState ReplicationState::fromInfo(const QByteArray &info) {
    const QHash<QByteArray, QByteArray> f = fields(info);
    ReplicationState s;
    const QByteArray role = f.value("role");
    if (role == "master")
        s.role = ServerRole::Primary;
    else if (role == "slave")
        s.role = ServerRole::Replica;
    else
        return s;
    s.connectedReplicas = int(number(f, "connected_slaves").value_or(0));
    if (s.role != ServerRole::Replica)
        return s;
    s.primaryHost = QString::fromUtf8(f.value("master_host"));
    s.primaryPort = int(number(f, "master_port").value_or(0));
    s.linkUp = f.value("master_link_status") == "up";
    s.syncInProgress = number(f, "master_sync_in_progress").value_or(0) != 0;
    if (!s.linkUp)
        s.linkDownSinceSeconds = number(f, "master_link_down_since_seconds").value_or(-1);
    else
        s.silentSeconds = number(f, "master_last_io_seconds_ago").value_or(-1);

    // What the replica has read from its primary and what it has applied (7.0+: before, only
    // the applied offset is there, and the difference cannot be told).
    const auto read = number(f, "slave_read_repl_offset");
    const auto applied = number(f, "slave_repl_offset");
    if (s.syncInProgress)
        s.lagNote = QStringLiteral("lag unknown: a full copy from the primary is being loaded");
    else if (!s.linkUp)
        s.lagNote = QStringLiteral("lag unknown: the link to the primary is down, so what the "
                                   "replica misses cannot be told");
    else if (!read || !applied)
        s.lagNote = QStringLiteral("lag unknown: this server does not report what it has read "
                                   "from its primary (slave_read_repl_offset, Redis 7.0+)");
    else {
        s.lagBytes = qMax<qint64>(0, *read - *applied);
        s.lagNote = QStringLiteral("bytes received from the primary and not yet applied; what "
                                   "the primary has not sent yet is visible only on the primary "
                                   "(its master_repl_offset)");
    }
    return s;
}

QString ReplicationState::describe() const {
    switch (role) {
    case ServerRole::Unknown:
        return QStringLiteral("role unknown");
    case ServerRole::Primary:
        return connectedReplicas <= 0 ? QStringLiteral("primary")
               : connectedReplicas == 1
                   ? QStringLiteral("primary, 1 replica")
                   : QStringLiteral("primary, %1 replicas").arg(connectedReplicas);
    case ServerRole::Replica:
        break;
    }
    const QString of = QStringLiteral("replica of %1").arg(primaryEndpoint());
    // A primary pings its replicas every 10 s (repl-ping-replica-period) even when idle:
    // nothing for twice that long is a primary that stopped answering.
    if (linkUp && silentSeconds > 2 * 10)
        return QStringLiteral("%1, link up but nothing heard from the primary for %2 s: the data "
                              "here may be stale")
            .arg(of)
            .arg(silentSeconds);
    if (linkUp)
        return lagBytes >= 0
                   ? QStringLiteral("%1, link up, %2 bytes behind (received, not yet applied)")
                         .arg(of)
                         .arg(lagBytes)
                   : QStringLiteral("%1, link up, %2").arg(of, lagNote);
    if (syncInProgress)
        return QStringLiteral("%1, link down: a full copy from the primary is being loaded")
            .arg(of);
    if (linkDownSinceSeconds < 0)
        return QStringLiteral("%1, link down: it has not reached its primary yet").arg(of);
    return QStringLiteral("%1, link down for %2 s: the data here may be stale")
        .arg(of)
        .arg(linkDownSinceSeconds);
}

QString readOnlyReplicaMessage(const QString &primary, const QString &why) {
    if (!primary.isEmpty())
        return QStringLiteral("this is a read-only replica: connect to the primary at %1")
            .arg(primary);
    return QStringLiteral("this is a read-only replica: connect to its primary (its address "
                          "is unknown: %1)")
        .arg(why.isEmpty() ? QStringLiteral("INFO replication did not say") : why);
}

} // namespace streamscope
