#pragma once

#include "RedisClient.h"

#include <QByteArray>
#include <QString>

#include <atomic>

namespace streamscope::shop {

// What every shop service shares: one log line per state change on stderr, and a stop flag
// set by SIGTERM/SIGINT that long waits check (the client's cancel flag).
class ServiceLog {
public:
    explicit ServiceLog(QString name)
        : m_name(std::move(name)) {}
    void info(const QString &message) const;
    const QString &name() const { return m_name; }

private:
    QString m_name;
};

// Where a service connects: the server in its settings and, once connected to a cluster, every
// node it learnt of. A cluster client opens from one node; when that node is the primary that
// died, the service reconnects through the next node it knows instead of waiting for it.
class Seeds {
public:
    explicit Seeds(ConnectionSettings settings)
        : m_candidates{std::move(settings)} {}
    const ConnectionSettings &current() const { return m_candidates.at(m_at); }
    // After a successful open: the client's nodes become candidates too.
    void learn(const RedisClient &client);
    // The current one failed: the next one is tried.
    void failed() { m_at = (m_at + 1) % m_candidates.size(); }

private:
    QList<ConnectionSettings> m_candidates; // the settings' server first
    qsizetype m_at = 0;
};

// Installs SIGTERM/SIGINT handlers that set the returned flag.
const std::atomic<bool> &installStopSignals();
// Sleeps up to ms, returning early (false) when stop is set.
bool sleepUnlessStopped(const std::atomic<bool> &stop, int ms);

// Durations and counts from the command line, with the option named in the error.
bool parsePositive(const QString &text, qint64 *out, bool allowZero = false);

} // namespace streamscope::shop
