#pragma once

// The engine of `streamscope-cli serve`: the GUI's one poller (ServerPoller, on its own
// thread) polling continuously, the latest picture kept by value, served over HTTP
// (/metrics, /health, /ready), and the alert tracker fed after each group snapshot.

#include "Alerts.h"
#include "Metrics.h"
#include "ServerPoller.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <memory>

class QTcpServer;

namespace streamscope {

class MonitorService : public QObject {
    Q_OBJECT
public:
    struct Options {
        ConnectionSettings settings;
        ServerPoller::Options poll;
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 0; // 0: any free port (port() tells which)
        AlertTracker::Options alertTracking;
        AlertSender::Options alertDelivery; // no webhook, no command: transitions only counted
    };
    explicit MonitorService(Options options, QObject *parent = nullptr);
    ~MonitorService() override;

    // Listens, then starts polling. An error (the port is taken, the address is not this
    // host's) names the address and what to do; nothing was started then.
    [[nodiscard]] Error start();
    // Stops listening (the socket is closed at once), then the poller (a command under way is
    // cancelled). Idempotent.
    void stop();

    quint16 port() const;
    // "http://127.0.0.1:9121"
    QString url() const;

    MonitorState state() const;
    // The /metrics body.
    QByteArray metricsText() const;
    // /health: the doctor JSON and its HTTP status (200 no findings, 503 findings or partial,
    // or the server does not answer: then {"error": ...}); doctorExit: doctor's exit code for
    // the same report (0, 1 findings, 3 partial or no answer).
    struct Health {
        QJsonObject json;
        int httpStatus = 503;
        int doctorExit = 3;
    };
    Health health() const;
    // /ready: ready once the first poll answered while the server answers; else why not.
    bool ready(QString *reason) const;

Q_SIGNALS:
    // One line for the log (stderr): the server lost or back, a poll error (once per
    // distinct message), an alert transition, a delivery failure.
    void message(const QString &line);

private:
    void onAnswered(qint64 atMs);
    void onPollFailed(const Error &error, PollArea area);
    void onGroupSnapshot(const GroupSnapshot &snapshot);
    bool current(qint64 nowMs) const;
    // One HTTP answer: what a path says (GET or HEAD).
    struct Answer {
        int status = 200;
        QByteArray contentType;
        QByteArray body;
        QList<QPair<QByteArray, QByteArray>> headers;
    };
    Answer answer(const QString &path) const;
    class HttpServer;

    Options m_options;
    std::unique_ptr<PollerController> m_poller;
    std::unique_ptr<HttpServer> m_http;
    QPointer<QTcpServer> m_tcp;
    std::unique_ptr<AlertTracker> m_tracker;
    std::unique_ptr<AlertSender> m_sender;
    MonitorState m_state;
    qint64 m_answeredReceivedMs = 0; // when the last answered() arrived (this clock)
    bool m_lost = false;             // the connection failed since the last answer
    QString m_lastError;             // as last logged
    bool m_saidNoStreams = false;    // "no stream matches PATTERN" logged for this absence
    QSet<QString> m_missingSaid;     // cluster nodes said to be missing, by endpoint
    quint64 m_generation = 0;        // bumped by every signal of the poller
    // The last /metrics body, reused while the generation is the same and it is fresh.
    mutable QByteArray m_metricsCache;
    mutable quint64 m_metricsGeneration = 0;
    mutable qint64 m_metricsBuiltMs = 0;
};

} // namespace streamscope
