#pragma once

#include <QByteArray>
#include <QString>

namespace streamscope {

// A server's place in replication.
enum class ServerRole { Unknown, Primary, Replica };

// What a server's INFO replication section says about it. From a replica only its own side
// is visible: what it has received and applied, and its link to the primary. What the primary
// has written and not yet sent is not (the primary's master_repl_offset is only on the
// primary), so the lag here is the bytes received from the primary and not yet applied: a lower
// bound of how far the replica is behind, exact only while the link is up.
struct ReplicationState {
    ServerRole role = ServerRole::Unknown;
    int connectedReplicas = 0; // connected_slaves (a replica may have replicas of its own)
    // A replica:
    QString primaryHost;
    int primaryPort = 0;
    bool linkUp = false;              // master_link_status:up
    qint64 linkDownSinceSeconds = -1; // master_link_down_since_seconds; -1 never up, or up
    // master_last_io_seconds_ago while the link is up: a primary that stopped answering (hung,
    // SIGSTOPped) keeps the link "up" until repl-timeout (60 s by default).
    qint64 silentSeconds = -1;
    bool syncInProgress = false; // master_sync_in_progress: a full copy is being loaded
    qint64 lagBytes = -1;        // slave_read_repl_offset - slave_repl_offset; -1 unknown
    QString lagNote;             // what lagBytes means, or why it is unknown

    QString primaryEndpoint() const; // "host:port", empty when not a replica
    // One line for people: "primary, 2 replicas", "replica of 10.0.0.5:6379, link up, 0 bytes
    // received and not yet applied", "replica of 10.0.0.5:6379, link down for 12 s".
    QString describe() const;

    // From INFO replication (or a whole INFO holding that section); role Unknown when the text
    // has no role line.
    static ReplicationState fromInfo(const QByteArray &info);
};

// The message for a write refused by a replica (READONLY): where to write instead. primary is
// "host:port", or empty when it could not be asked (why says why).
QString readOnlyReplicaMessage(const QString &primary, const QString &why = {});

} // namespace streamscope
