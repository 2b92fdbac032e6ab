#pragma once

#include "ServerPoller.h"
#include "StreamInfo.h"
#include "Topology.h"

#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace streamscope {

// "0-5460,10923" (a MissingNode's slots) as ranges; and whether slot is in one of them.
QList<QPair<int, int>> parseSlotRanges(const QString &text);
bool inSlotRanges(int slot, const QList<QPair<int, int>> &ranges);

// What the window says of the deployment: "cluster, 3 primaries", "1 primary", "standalone".
QString deploymentText(const TopologySnapshot &snapshot);
// The status bar's words for the deployment and the server's role in it, from what the poller
// said so far: "primary", "replica of HOST:PORT, 1.2 KiB behind" (or "link down for 12 s"),
// "sentinel mymaster: primary HOST:PORT", "cluster, 3 primaries"; "standalone" while the role is
// not known, with the reason when the server would not say ("no permission for INFO").
struct DeploymentStatus {
    std::optional<TopologySnapshot> topology;
    std::optional<ServerInfo> server;
    QString masterName;          // through Sentinel: the master's name at the sentinels
    qint64 linkDownSeconds = -1; // a replica whose link is down: seen down this long
    QString text() const;
};

// The nodes whose part is unknown, and what that means where it is shown:
// "127.0.0.1:30002 (slots 5461-10922) not answering: streams there are not listed".
QString missingNodesText(const MissingNodeList &missing, const QString &consequence);

} // namespace streamscope
