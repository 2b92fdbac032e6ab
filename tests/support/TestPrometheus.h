#pragma once

// A real Prometheus server for tests: Debian's `prometheus` package, started on a free loopback
// port in a temporary directory with a configuration the test writes (its scrape targets, a
// short scrape interval), ready when /-/ready answers, stopped with its owner (and with the
// test process: PR_SET_PDEATHSIG). Plus a small blocking client for its HTTP API. A test that
// needs it never skips: when it cannot start, the test fails and says why.

#include "Error.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace streamscope::test {

// Starts a Prometheus server or fails the calling test function with the reason.
#define STREAMSCOPE_START_PROMETHEUS(server)                                                       \
    do {                                                                                           \
        const streamscope::Error startError_ = (server).start();                                   \
        if (startError_)                                                                           \
            QFAIL(qPrintable(QStringLiteral("cannot start prometheus: ") + startError_.message));  \
    } while (false)

// One answer of a plain HTTP GET. status 0: no answer (error says why).
struct HttpReply {
    int status = 0;
    QByteArray body;
    QString error;
};

// GET http://127.0.0.1:port/pathAndQuery over a blocking socket (HTTP/1.0, no keep-alive).
// No event loop runs: safe anywhere in a test.
HttpReply httpGet(quint16 port, const QByteArray &pathAndQuery, int timeoutMs = 10000);

class TestPrometheus {
public:
    struct ScrapeTarget {
        QString job;     // job_name
        QString address; // host:port
        QString metricsPath = QStringLiteral("/metrics");
    };
    struct Options {
        QString program; // empty: `prometheus` on PATH (or /usr/bin)
        int scrapeIntervalSeconds = 1;
        bool scrapeItself = true; // a job "prometheus" scraping this server's /metrics
    };

    TestPrometheus();
    explicit TestPrometheus(Options options);
    ~TestPrometheus();
    TestPrometheus(const TestPrometheus &) = delete;
    TestPrometheus &operator=(const TestPrometheus &) = delete;

    // Before start(): what the server scrapes.
    void addTarget(const ScrapeTarget &target) { m_targets.append(target); }

    // Writes prometheus.yml, starts the server on a free loopback port and waits until
    // /-/ready answers 200. The error says why not: the package missing (and how to install
    // it), a configuration refused, the port taken (then another port is tried), with the
    // server's log.
    Error start(int timeoutMs = 20000);
    void stop(); // SIGTERM, then SIGKILL after 10 s
    bool isRunning() const;

    quint16 port() const { return m_port; }
    QString address() const; // 127.0.0.1:PORT
    QString dir() const;
    QString configText() const; // what start() wrote (or would write)
    QString logTail(int lines = 30) const;

    // GET on the server, parsed: the API's {"status":"success","data":...}. An HTTP error, a
    // reply that is not JSON or a "status":"error" (with its errorType and error) is an Error.
    Result<QJsonObject> api(const QByteArray &pathAndQuery) const;
    // /api/v1/query?query=EXPR: data.result (a vector's samples, or a range vector's series).
    Result<QJsonArray> query(const QString &expr) const;
    // The value of the instant query's only sample; an Error when it has none or several.
    Result<double> scalarOf(const QString &expr) const;
    // /api/v1/targets: data.activeTargets.
    Result<QJsonArray> activeTargets() const;
    // The active target of a job: its object from /api/v1/targets (health, lastError, ...).
    Result<QJsonObject> target(const QString &job) const;

    // `prometheus` on PATH (or in /usr/bin), empty when not installed.
    static QString executable();

private:
    Options m_options;
    QList<ScrapeTarget> m_targets;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
};

} // namespace streamscope::test
