#include "MonitorService.h"

#include "RedisConnection.h"
#include "Wording.h"

#include <QAbstractHttpServer>
#include <QDateTime>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <functional>
#include <memory>

#include <sys/socket.h>
#include <unistd.h>

namespace streamscope {

namespace {

qint64 nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}

QString endpointText(const QHostAddress &address, quint16 port) {
    return address.protocol() == QAbstractSocket::IPv6Protocol
               ? QStringLiteral("[%1]:%2").arg(address.toString()).arg(port)
               : QStringLiteral("%1:%2").arg(address.toString()).arg(port);
}

// What one HTTP client may take: a scrape is one small request answered at once, so a client
// that sends nothing (a port scanner, `nc`), sends forever (headers or a body without end) or
// opens connection after connection must not hold sockets, file descriptors or memory.
constexpr int maxConnections = 64;            // open at once; more are answered 503 and closed
constexpr int requestTimeoutMs = 10000;       // the whole request must have come by then
constexpr int answerTimeoutMs = 60000;        // and the answer gone out (a 1 MB /metrics) by then
constexpr qint64 maxRequestBytes = 64 * 1024; // a GET is a few hundred bytes

// The listening socket: counts the connections it hands to the HTTP server and bounds each.
class Listener : public QTcpServer {
public:
    using Refused = std::function<void(const QString &)>;
    Listener(QObject *parent, Refused refused)
        : QTcpServer(parent)
        , m_refused(std::move(refused)) {}

protected:
    void incomingConnection(qintptr descriptor) override {
        if (m_open >= maxConnections) {
            // Not handed to Qt: a fixed answer straight on the socket, never blocking.
            static const QByteArray busy = [] {
                const QByteArray body = "too many connections open; try again\n";
                return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; "
                       "charset=utf-8\r\nContent-Length: "
                       + QByteArray::number(body.size())
                       + "\r\nRetry-After: 10\r\nConnection: close\r\n\r\n" + body;
            }();
            [[maybe_unused]] const auto n =
                ::send(int(descriptor), busy.constData(), size_t(busy.size()),
                       MSG_DONTWAIT | MSG_NOSIGNAL);
            ::close(int(descriptor));
            ++m_refusedCount;
            if (m_refused && (m_refusedCount == 1 || m_refusedCount % 1000 == 0))
                m_refused(QStringLiteral("HTTP: %1 connections open (the most served at once); "
                                         "refused %2 so far with 503")
                              .arg(maxConnections)
                              .arg(m_refusedCount));
            return;
        }
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            ::close(int(descriptor));
            delete socket;
            return;
        }
        ++m_open;
        QObject::connect(socket, &QObject::destroyed, this, [this] { --m_open; });
        // Connected before the HTTP server's own slot: counts what arrives before it is read.
        auto received = std::make_shared<qint64>(0);
        QObject::connect(socket, &QTcpSocket::readyRead, socket, [socket, received] {
            *received += socket->bytesAvailable();
            if (*received > maxRequestBytes)
                closeNow(socket);
        });
        auto *deadline = new QTimer(socket);
        deadline->setObjectName(QStringLiteral("streamscope-http-deadline"));
        deadline->setSingleShot(true);
        QObject::connect(deadline, &QTimer::timeout, socket, [socket] { closeNow(socket); });
        deadline->start(requestTimeoutMs);
        addPendingConnection(socket);
    }

public:
    // The request was read and answered: the answer gets its own, longer, deadline.
    static void answered(QTcpSocket *socket) {
        if (auto *deadline =
                socket->findChild<QTimer *>(QStringLiteral("streamscope-http-deadline")))
            deadline->start(answerTimeoutMs);
    }

private:
    static void closeNow(QTcpSocket *socket) {
        socket->abort();
        socket->deleteLater();
    }
    Refused m_refused;
    int m_open = 0;
    qint64 m_refusedCount = 0;
};

} // namespace

// The HTTP side, on QAbstractHttpServer rather than QHttpServer's router: each answer ends with
// the connection closed (Connection: close), as an HTTP/1.0 client (a shell script, nc) or a
// client that reads to the end needs: QHttpServer 6.4 keeps every connection open. A scrape
// every 15 s does not need keep-alive.
class MonitorService::HttpServer : public QAbstractHttpServer {
public:
    explicit HttpServer(const MonitorService *service)
        : m_service(service) {}

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override {
        using Method = QHttpServerRequest::Method;
        Answer a;
        if (request.method() != Method::Get && request.method() != Method::Head) {
            a.status = 405;
            a.contentType = QByteArrayLiteral("text/plain; charset=utf-8");
            a.body = QByteArrayLiteral("only GET and HEAD\n");
            a.headers.append({QByteArrayLiteral("Allow"), QByteArrayLiteral("GET, HEAD")});
        } else {
            a = m_service->answer(request.url().path());
        }
        QHttpServerResponder responder = makeResponder(request, socket);
        responder.writeStatusLine(QHttpServerResponder::StatusCode(a.status));
        responder.writeHeader(QByteArrayLiteral("Content-Type"), a.contentType);
        responder.writeHeader(QByteArrayLiteral("Content-Length"),
                              QByteArray::number(a.body.size()));
        responder.writeHeader(QByteArrayLiteral("Connection"), QByteArrayLiteral("close"));
        for (const auto &[name, value] : a.headers)
            responder.writeHeader(name, value);
        if (request.method() == Method::Head)
            responder.writeBody(QByteArray());
        else
            responder.writeBody(a.body);
        Listener::answered(socket);
        socket->disconnectFromHost(); // after what is written has gone out
        return true;
    }
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override {}

private:
    const MonitorService *m_service;
};

MonitorService::MonitorService(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options)) {
    m_state.streamLimit = m_options.poll.maxStreams;
    m_state.downReason = QStringLiteral("no poll has answered yet");
    m_tracker = std::make_unique<AlertTracker>(m_options.alertTracking);
    if (!m_options.alertDelivery.webhook.isEmpty() || !m_options.alertDelivery.command.isEmpty()) {
        m_sender = std::make_unique<AlertSender>(m_options.alertDelivery);
        connect(m_sender.get(), &AlertSender::failed, this,
                [this](const QString &key, const QString &target, const QString &error) {
                    Q_EMIT message(
                        QStringLiteral("alert %1 not delivered to %2: %3").arg(key, target, error));
                });
    }
}

MonitorService::~MonitorService() {
    stop();
}

Error MonitorService::start() {
    m_http = std::make_unique<HttpServer>(this);
    auto *tcp = new Listener(m_http.get(), [this](const QString &line) { Q_EMIT message(line); });
    if (!tcp->listen(m_options.address, m_options.port)) {
        const QString where = endpointText(m_options.address, m_options.port);
        const QString advice =
            tcp->serverError() == QAbstractSocket::AddressInUseError
                ? QStringLiteral("another process listens there; choose another port with "
                                 "--listen HOST:PORT")
                : QStringLiteral("check the address given to --listen");
        const QString text =
            QStringLiteral("cannot listen on %1: %2 (%3)").arg(where, tcp->errorString(), advice);
        m_http.reset();
        return Error(Error::Kind::Connect, text);
    }
    m_http->bind(tcp);
    m_tcp = tcp;

    m_poller = std::make_unique<PollerController>(m_options.settings, m_options.poll);
    ServerPoller *poller = m_poller->poller();
    connect(poller, &ServerPoller::serverInfo, this, [this](const ServerInfo &info) {
        ++m_generation;
        m_state.server = info;
        m_state.serverInfoKnown = true;
    });
    connect(poller, &ServerPoller::streamsListed, this,
            [this](const StreamInfoList &streams, bool truncated) {
                ++m_generation;
                m_state.streams = streams;
                m_state.truncated = truncated;
                m_state.listed = true;
                // A pattern with a typo looks like a quiet system: said once (again after
                // streams came and went), never every listing.
                if (streams.isEmpty() && !m_saidNoStreams)
                    Q_EMIT message(QStringLiteral("no stream matches '%1' (yet): check PATTERN; "
                                                  "the server is listed again every %2")
                                       .arg(QString::fromUtf8(m_options.poll.pattern),
                                            formatDuration(m_options.poll.listIntervalMs)));
                m_saidNoStreams = streams.isEmpty();
            });
    connect(poller, &ServerPoller::nodesMissing, this, [this](const MissingNodeList &missing) {
        ++m_generation;
        // A cluster node lost or back is said once, by name: /metrics only counts them.
        QSet<QString> now;
        for (const MissingNode &m : missing) {
            now.insert(m.endpoint);
            if (!m_missingSaid.contains(m.endpoint))
                Q_EMIT message(QStringLiteral("partial: %1; its streams and groups are not "
                                              "served until it answers")
                                   .arg(missingNodeText(m)));
        }
        for (const QString &endpoint : std::as_const(m_missingSaid))
            if (!now.contains(endpoint))
                Q_EMIT message(QStringLiteral("cluster node %1 answers again").arg(endpoint));
        m_missingSaid = now;
        m_state.missing = missing;
    });
    connect(poller, &ServerPoller::groupSnapshot, this, &MonitorService::onGroupSnapshot);
    connect(poller, &ServerPoller::pollFailed, this, &MonitorService::onPollFailed);
    connect(poller, &ServerPoller::answered, this, &MonitorService::onAnswered);
    m_poller->start();
    return {};
}

void MonitorService::stop() {
    if (m_tcp)
        m_tcp->close();
    // Alerts under way get a moment to go out (the sender's own timeouts bound each).
    if (m_sender && m_poller && !m_sender->waitForIdle(3000)) {
        // Said, not left for the receiver to wonder about: what is abandoned now never goes.
        const int left = m_sender->queued();
        if (left > 0)
            Q_EMIT message(
                QStringLiteral("stopping: %1 not delivered (still retrying or waiting after 3 s)")
                    .arg(countOf(left, QStringLiteral("alert"), QStringLiteral("alerts"))));
    }
    if (m_poller) {
        QObject::disconnect(m_poller->poller(), nullptr, this, nullptr);
        m_poller->stop(); // the connection's cancel flag ends a command under way
        m_poller.reset();
    }
    m_http.reset();
}

quint16 MonitorService::port() const {
    return m_tcp ? m_tcp->serverPort() : 0;
}

QString MonitorService::url() const {
    return QStringLiteral("http://") + endpointText(m_options.address, port());
}

bool MonitorService::current(qint64 now) const {
    if (m_state.lastAnsweredMs <= 0 || m_lost)
        return false;
    // A poll that never ends (a node that does not answer, a connection that hangs) is a server
    // that does not answer: the figures stop being current after a few intervals.
    const qint64 staleAfter = qMax<qint64>(3LL * m_options.poll.intervalMs, 15000);
    return now - m_answeredReceivedMs <= staleAfter;
}

MonitorState MonitorService::state() const {
    MonitorState s = m_state;
    const qint64 now = nowMs();
    s.up = current(now);
    if (!s.up && m_state.lastAnsweredMs > 0)
        s.downReason = m_lost
                           ? QStringLiteral("the server does not answer: %1").arg(m_lastError)
                           : QStringLiteral("no poll has answered for %1 s (last error: %2)")
                                 .arg((now - m_answeredReceivedMs) / 1000)
                                 .arg(m_lastError.isEmpty() ? QStringLiteral("none") : m_lastError);
    else if (!s.up && !m_lastError.isEmpty())
        s.downReason = QStringLiteral("no poll has answered yet: %1").arg(m_lastError);
    // Every connection of this process (the poller's; on a cluster one per node).
    qint64 commands = 0;
    for (const RedisConnection::Load &load : RedisConnection::loadPerEndpoint())
        commands += load.commands;
    s.commandsSent = commands;
    s.alertsActive = int(m_tracker->active().size());
    if (m_sender)
        for (const QString &target : m_sender->targets()) {
            const AlertSender::Counters c = m_sender->counters(target);
            s.alertTargets.append({target, c.sent, c.failed, c.dropped});
        }
    return s;
}

QByteArray MonitorService::metricsText() const {
    // Scrapes that come together (two Prometheus servers, a burst of curl) share one body while
    // nothing was polled in between: 1,000 streams make 2.8 MB, 30-50 ms to write, on the thread
    // that answers every scrape. Ages in it are at most 250 ms older than the answer.
    const qint64 now = nowMs();
    if (m_metricsCache.isEmpty() || m_metricsGeneration != m_generation
        || now - m_metricsBuiltMs > 250 || now < m_metricsBuiltMs) {
        m_metricsCache = prometheusText(state(), now);
        m_metricsGeneration = m_generation;
        m_metricsBuiltMs = now;
    }
    return m_metricsCache;
}

MonitorService::Health MonitorService::health() const {
    const MonitorState s = state();
    Health h;
    if (!s.up || !s.haveGroups) {
        h.json = QJsonObject{
            {QStringLiteral("error"), s.up ? QStringLiteral("waiting for the first poll of the "
                                                            "consumer groups")
                                           : s.downReason},
            {QStringLiteral("partial"), true}};
        return h;
    }
    const DoctorReport report = doctorReportFrom(s);
    h.json = doctorReportJson(report);
    h.doctorExit = report.partial() ? 3 : report.findingCount() > 0 ? 1 : 0;
    h.httpStatus = h.doctorExit == 0 ? 200 : 503;
    return h;
}

bool MonitorService::ready(QString *reason) const {
    const MonitorState s = state();
    if (!s.up) {
        *reason = s.downReason;
        return false;
    }
    if (!s.haveGroups) {
        *reason = QStringLiteral("waiting for the first poll of the consumer groups");
        return false;
    }
    return true;
}

MonitorService::Answer MonitorService::answer(const QString &path) const {
    const QByteArray text = QByteArrayLiteral("text/plain; charset=utf-8");
    Answer a;
    if (path == QLatin1String("/metrics")) {
        a.contentType = QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8");
        a.body = metricsText();
    } else if (path == QLatin1String("/health")) {
        const Health h = health();
        a.status = h.httpStatus;
        a.contentType = QByteArrayLiteral("application/json");
        a.body = QJsonDocument(h.json).toJson(QJsonDocument::Compact) + '\n';
        a.headers.append(
            {QByteArrayLiteral("X-StreamScope-Doctor-Exit"), QByteArray::number(h.doctorExit)});
    } else if (path == QLatin1String("/ready")) {
        QString reason;
        const bool ok = ready(&reason);
        a.status = ok ? 200 : 503;
        a.contentType = text;
        a.body = ok ? QByteArrayLiteral("ready\n") : "not ready: " + reason.toUtf8() + '\n';
    } else if (path == QLatin1String("/")) {
        a.contentType = text;
        a.body = QByteArrayLiteral("streamscope-cli serve\n"
                                   "/metrics  Prometheus metrics\n"
                                   "/health   the doctor report (JSON)\n"
                                   "/ready    200 once the server answers\n");
    } else {
        a.status = 404;
        a.contentType = text;
        a.body = QByteArrayLiteral("not found: /metrics, /health, /ready\n");
    }
    return a;
}

void MonitorService::onAnswered(qint64 atMs) {
    const qint64 now = nowMs();
    const bool wasDown = !current(now) && m_state.lastAnsweredMs > 0;
    ++m_generation;
    m_state.lastAnsweredMs = atMs;
    m_state.pollDurationSeconds = double(qMax<qint64>(0, now - atMs)) / 1000.0;
    m_answeredReceivedMs = now;
    m_lost = false;
    if (wasDown) {
        m_lastError.clear();
        Q_EMIT message(QStringLiteral("the server answers again"));
    }
}

void MonitorService::onPollFailed(const Error &error, PollArea) {
    ++m_generation;
    ++m_state.pollErrors;
    // On a cluster one node may fail while the others answer (nodesMissing, partial): only a
    // poll that stops answering altogether (current()) makes the server down there.
    const bool onCluster =
        m_state.serverInfoKnown && m_state.server.mode == QLatin1String("cluster");
    if (error.kind != Error::Kind::Server && !onCluster)
        m_lost = true;
    if (error.message != m_lastError) {
        m_lastError = error.message;
        Q_EMIT message(QStringLiteral("poll failed: %1").arg(error.message));
    }
}

void MonitorService::onGroupSnapshot(const GroupSnapshot &snapshot) {
    ++m_generation;
    m_state.groups = snapshot;
    m_state.haveGroups = true;
    // The snapshot's groups were examined; a group of a missing node neither raises nor
    // clears; a group that is gone clears.
    const QList<AlertEvent> events = m_tracker->update(snapshot, m_state.missing, snapshot.atMs);
    for (const AlertEvent &event : events) {
        switch (event.transition) {
        case AlertEvent::Transition::Raised:
            ++m_state.alertsRaised;
            break;
        case AlertEvent::Transition::Changed:
            ++m_state.alertsChanged;
            break;
        case AlertEvent::Transition::Cleared:
            ++m_state.alertsCleared;
            break;
        }
        Q_EMIT message(QStringLiteral("alert: ") + alertText(event));
        if (m_sender)
            m_sender->send(event);
    }
}

} // namespace streamscope
