#pragma once

// Helpers for the tests that run against a real Redis Cluster (LocalRedisCluster).

#include "ClusterClient.h"

#include <QByteArray>
#include <QString>

#include <memory>

namespace streamscope::test {

// base (credentials, timeouts) pointed at another node, "host:port".
ConnectionSettings settingsAt(const ConnectionSettings &base, const QString &endpoint);

// An open ClusterClient, or a failed test saying why.
std::unique_ptr<ClusterClient> openCluster(const ConnectionSettings &settings);

// A key "prefix:N" whose slot the client maps to endpoint (empty when none of the first
// 100,000 is).
QByteArray keyOn(const ClusterClient &client, const QString &endpoint, const QByteArray &prefix);

} // namespace streamscope::test
