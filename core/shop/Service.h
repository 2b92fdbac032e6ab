#pragma once

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

// Installs SIGTERM/SIGINT handlers that set the returned flag.
const std::atomic<bool> &installStopSignals();
// Sleeps up to ms, returning early (false) when stop is set.
bool sleepUnlessStopped(const std::atomic<bool> &stop, int ms);

// Durations and counts from the command line, with the option named in the error.
bool parsePositive(const QString &text, qint64 *out, bool allowZero = false);

} // namespace streamscope::shop
