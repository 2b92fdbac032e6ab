#pragma once

// Shared by the benchmarks: resident memory, a GUI-thread stall probe, and launching the shop's
// service processes.

#include "LocalRedisServer.h"
#include "RedisConnection.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unistd.h>
#include <vector>

namespace streamscope::bench {

// Starts a private redis-server for the benchmark, or says on stderr why it cannot.
inline bool startServer(LocalRedisServer &server) {
    if (Error e = server.start()) {
        std::fprintf(stderr, "cannot start redis-server: %s\n", qPrintable(e.message));
        return false;
    }
    return true;
}

// A set-up step that must work for the figures to mean anything: says on stderr why it did not.
inline bool done(const Error &e, const char *step) {
    if (e) {
        std::fprintf(stderr, "%s: %s\n", step, qPrintable(e.message));
        return false;
    }
    return true;
}
template <typename T> bool done(const Result<T> &result, const char *step) {
    return done(result.ok() ? Error() : result.error(), step);
}

// This process's resident memory in KiB (VmRSS), -1 when unknown.
inline long residentKiB() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLong();
    return -1;
}

// Sends commands in pipelines of chunk (a bounded reply buffer each); says on stderr why not.
inline bool load(RedisConnection &c, const QList<Command> &commands, qsizetype chunk = 5000) {
    for (qsizetype i = 0; i < commands.size(); i += chunk) {
        auto replies = c.pipeline(commands.mid(i, chunk), 120000);
        if (!replies.ok()) {
            std::fprintf(stderr, "load: %s\n", qPrintable(replies.error().message));
            return false;
        }
    }
    return true;
}

// A process's CPU time so far (utime + stime, fields 14 and 15 of /proc/PID/stat), in seconds;
// -1 when unknown.
inline double cpuSeconds(qint64 pid) {
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = f.readAll();
    // The fields after the command name, which may hold spaces, in parentheses: rest[0] is
    // field 3 (state).
    const QList<QByteArray> rest = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    return double(rest.value(11).toLongLong() + rest.value(12).toLongLong())
           / double(::sysconf(_SC_CLK_TCK));
}

// Measures the GUI thread: a 5 ms precise timer records the gaps between its ticks (a long gap
// is a stall), and samples peak resident memory every 100 ms.
class StallProbe {
public:
    StallProbe() {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(5);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            const qint64 now = m_clock.elapsed();
            m_gaps.append(now - m_last);
            m_last = now;
            if (m_gaps.size() % 20 == 0)
                m_peakKiB = std::max(m_peakKiB, residentKiB());
        });
        m_clock.start();
    }
    void start() {
        m_gaps.clear();
        m_last = m_clock.elapsed();
        m_timer.start();
    }
    void stop() {
        m_timer.stop();
        m_peakKiB = std::max(m_peakKiB, residentKiB());
    }
    qint64 worst() const {
        return m_gaps.isEmpty() ? 0 : *std::max_element(m_gaps.cbegin(), m_gaps.cend());
    }
    qint64 percentile(double q) const {
        if (m_gaps.isEmpty())
            return 0;
        QList<qint64> sorted = m_gaps;
        std::sort(sorted.begin(), sorted.end());
        return sorted.at(std::min(sorted.size() - 1, qsizetype(double(sorted.size()) * q)));
    }
    long peakKiB() const { return m_peakKiB; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    QList<qint64> m_gaps;
    qint64 m_last = 0;
    long m_peakKiB = 0;
};

// Starts bin/program --url URL args..., logging to logDir/program.log; killed with the bench.
class Services {
public:
    Services(QString binDir, QString url, QString logDir)
        : m_bin(std::move(binDir))
        , m_url(std::move(url))
        , m_logs(std::move(logDir)) {}
    ~Services() { stop(); }
    void launch(const QString &program, const QStringList &args) {
        auto p = std::make_unique<QProcess>();
        p->setProgram(m_bin + QLatin1Char('/') + program);
        p->setArguments(QStringList{QStringLiteral("--url"), m_url} + args);
        p->setStandardErrorFile(m_logs + QLatin1Char('/') + program + QStringLiteral(".log"),
                                QIODevice::Append);
        p->setStandardOutputFile(QProcess::nullDevice());
        dieWithParent(*p);
        p->start();
        p->waitForStarted();
        m_processes.push_back(std::move(p));
    }
    void stop() {
        for (auto &p : m_processes) {
            p->terminate();
            p->waitForFinished(5000);
        }
        m_processes.clear();
    }

private:
    QString m_bin, m_url, m_logs;
    std::vector<std::unique_ptr<QProcess>> m_processes;
};

} // namespace streamscope::bench
