// streamscope-cli serve as a user runs it: the real executable against a real redis-server,
// scraped over HTTP. /metrics against XINFO, validated by Prometheus' promtool; /health against
// doctor --json; /ready; a server outage and its return; SIGTERM; a busy port; a cluster.

#include "CliProcess.h"
#include "LocalRedisCluster.h"
#include "LocalRedisSentinel.h"
#include "LocalRedisServer.h"
#include "TestRedis.h"
#include "ValueFormat.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <csignal>
#include <functional>
#include <memory>
#include <vector>

using namespace streamscope;
using namespace streamscope::test;

namespace {

struct Http {
    int status = 0; // 0: no answer
    QByteArray body;
    QByteArray contentType;
    QByteArray doctorExit;
};

Http get(int port, const QString &path) {
    QNetworkAccessManager manager;
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path)));
    request.setTransferTimeout(10000);
    QNetworkReply *reply = manager.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(15000, &loop, &QEventLoop::quit);
    loop.exec();
    Http h;
    if (reply->isFinished()) {
        h.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        h.body = reply->readAll();
        h.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        h.doctorExit = reply->rawHeader("X-StreamScope-Doctor-Exit");
    }
    reply->deleteLater();
    return h;
}

// The samples of a /metrics body: "name{labels}" (as written) -> value.
QHash<QByteArray, double> samples(const QByteArray &body) {
    QHash<QByteArray, double> out;
    for (const QByteArray &line : body.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const qsizetype space = line.lastIndexOf(' ');
        out.insert(line.left(space), line.mid(space + 1).toDouble());
    }
    return out;
}

// XINFO's flat key/value reply as a map of its scalar fields.
QHash<QByteArray, RedisReply> fields(const RedisReply &reply) {
    QHash<QByteArray, RedisReply> out;
    const auto &e = reply.elements();
    for (size_t i = 0; i + 1 < e.size(); i += 2)
        out.insert(e[i].bytes(), e[i + 1]);
    return out;
}

qint64 integer(const RedisReply &reply) {
    qint64 v = -1;
    return reply.toInteger(&v) ? v : -1;
}

QStringList keysOf(const QJsonObject &o) {
    QStringList k = o.keys();
    k.sort();
    return k;
}

// serve as a process, its stderr in a log file; it dies with the test.
class Serve {
public:
    Serve(const QString &dir, QStringList args)
        : m_args(std::move(args))
        , m_log(dir + QStringLiteral("/serve-%1.log").arg(++s_count)) {}
    ~Serve() { stop(SIGKILL); }
    bool start() {
        m_process.setProgram(executablePath());
        m_process.setArguments(m_args);
        m_process.setStandardErrorFile(m_log);
        m_process.setStandardOutputFile(m_log + QStringLiteral(".out"));
        dieWithParent(m_process);
        m_process.start();
        if (!m_process.waitForStarted(5000))
            return false;
        for (int i = 0; i < 200 && running() && port() == 0; ++i)
            QTest::qWait(50);
        return port() > 0;
    }
    bool running() const { return m_process.state() == QProcess::Running; }
    // The port from "listening on http://127.0.0.1:PORT".
    int port() const {
        const QString text = log();
        const qsizetype at = text.lastIndexOf(QLatin1String("listening on http://127.0.0.1:"));
        return at < 0 ? 0 : text.mid(at + 30).section(QLatin1Char('\n'), 0, 0).trimmed().toInt();
    }
    // Sends sig and waits for the end; the exit code (-1: killed or still running).
    int stop(int sig = SIGTERM) {
        if (!running())
            return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
        ::kill(pid_t(m_process.processId()), sig);
        if (!m_process.waitForFinished(10000)) {
            ::kill(pid_t(m_process.processId()), SIGKILL);
            m_process.waitForFinished(5000);
            return -1;
        }
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    QString log() const {
        QFile f(m_log);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

private:
    static inline int s_count = 0;
    QStringList m_args;
    QString m_log;
    QProcess m_process;
};

// A label value as the text format wants it, for a name as doctor --json shows it (a plain
// UTF-8 name's backslashes doubled, as the escaped form has them).
QByteArray labelOf(const QByteArray &name) {
    QByteArray out;
    const bool plain = valueformat::isUtf8(name) && !valueformat::hasControlBytes(name);
    const QByteArray shown =
        plain ? QByteArray(name).replace("\\", "\\\\") : valueformat::displayText(name).toUtf8();
    for (const char c : shown) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

// A local webhook receiver: every POST body, answered 200.
class Receiver : public QObject {
public:
    Receiver() {
        m_server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                auto *buffer = new QByteArray;
                QObject::connect(socket, &QTcpSocket::disconnected, socket, [socket, buffer] {
                    delete buffer;
                    socket->deleteLater();
                });
                QObject::connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
                    *buffer += socket->readAll();
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    static const QRegularExpression length(
                        QStringLiteral("content-length: *(\\d+)"),
                        QRegularExpression::CaseInsensitiveOption);
                    const auto match = length.match(QString::fromLatin1(buffer->left(end)));
                    const qsizetype size = match.hasMatch() ? match.captured(1).toLongLong() : 0;
                    if (buffer->size() < end + 4 + size)
                        return;
                    bodies.append(buffer->mid(end + 4, size));
                    buffer->clear();
                    socket->write(
                        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    socket->disconnectFromHost();
                });
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    QList<QByteArray> bodies;

private:
    QTcpServer m_server;
};

// What promtool says about a /metrics body (empty: nothing to say), or why it could not run.
QByteArray promtoolVerdict(const QByteArray &body) {
    const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    if (promtool.isEmpty())
        return "promtool not found: install Debian's prometheus package (scripts/deps.sh "
               "installs it); tst_serve needs it to validate /metrics";
    QProcess p;
    p.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
    if (!p.waitForStarted())
        return "promtool did not start";
    p.write(body);
    p.closeWriteChannel();
    if (!p.waitForFinished(30000))
        return "promtool did not finish in 30 s";
    const QByteArray said = (p.readAllStandardOutput() + p.readAllStandardError()).trimmed();
    if (p.exitCode() != 0 && said.isEmpty())
        return "promtool exited " + QByteArray::number(p.exitCode());
    return said;
}

const QByteArray weirdName = QByteArray("we\"ird\\na") + '\n' + "me\xff";

} // namespace

class TestServe : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void metricsMatchXinfo();
    void promtoolAcceptsTheOutput();
    void httpAnswersEndTheConnection();
    void httpClientsAreBounded();
    void labelsAreUnambiguous();
    void scrapesTogetherShareOneBody();
    void healthIsTheDoctorReport();
    void readyOutageAndReturn();
    void sigtermAndSigintExitCleanly();
    void busyPortIsRefused();
    void everyInterfaceAndNoMatchAreSaid();
    void usageErrors();
    void alertsReachTheWebhookAndCommandOncePerTransition();
    void sigtermWithAlertsUnderWaySaysSo();
    void aclLimitsArePartialNotZero();
    void streamLimitIsPartial();
    void cluster();
    void clusterNodeMissing();
    void sentinel();
    void cleanupTestCase();

private:
    QStringList serveArgs(const ConnectionSettings &settings, const QString &pattern,
                          const QStringList &more = {}) const {
        return QStringList{QStringLiteral("-h"),         settings.host,
                           QStringLiteral("-p"),         QString::number(settings.port),
                           QStringLiteral("serve"),      pattern,
                           QStringLiteral("--listen"),   QStringLiteral("127.0.0.1:0"),
                           QStringLiteral("--interval"), QStringLiteral("0.2")}
               + more;
    }
    // Waits until check(metrics) holds; the last body for the failure message.
    bool waitForMetrics(int port,
                        const std::function<bool(const QHash<QByteArray, double> &)> &check,
                        QByteArray *last, int timeoutMs = 15000) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            const Http h = get(port, QStringLiteral("/metrics"));
            *last = h.body;
            if (h.status == 200 && check(samples(h.body)))
                return true;
            QTest::qWait(200);
        }
        qWarning("the last /metrics (whole):\n%s", last->constData());
        return false;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LocalRedisServer> m_server;
    std::unique_ptr<RedisConnection> m_admin;
};

void TestServe::initTestCase() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QVERIFY2(QFile::exists(executablePath()), qPrintable(executablePath() + " not built"));
    m_server = std::make_unique<LocalRedisServer>();
    STREAMSCOPE_START_REDIS(*m_server);
    m_admin = connectTo(m_server->settings());
    QVERIFY(m_admin);
    RedisConnection &c = *m_admin;
    // orders: 10 entries; "billing" read 4 by c1 (1 acked), "audit" created at the end and
    // never read since 2 more came (no consumer; its lag unknown to Redis 7.0: created at $).
    addEntries(c, "serve:orders", 0, 10);
    run(c, {"XGROUP", "CREATE", "serve:orders", "billing", "0"});
    run(c, {"XGROUP", "CREATE", "serve:orders", "audit", "$"});
    const RedisReply read = run(
        c, {"XREADGROUP", "GROUP", "billing", "c1", "COUNT", "4", "STREAMS", "serve:orders", ">"});
    const QByteArray firstId = read.elements()[0].elements()[1].elements()[0].elements()[0].bytes();
    run(c, {"XACK", "serve:orders", "billing", firstId});
    addEntries(c, "serve:orders", 10, 2);
    // A name with a quote, a backslash, a newline and a byte that is not UTF-8.
    addEntries(c, QByteArray("serve:") + weirdName, 0, 3);
    run(c, {"XGROUP", "CREATE", QByteArray("serve:") + weirdName, QByteArray("g\"1"), "0"});
    // Lag the server cannot tell: SETID without ENTRIESREAD on a stream with a deleted entry
    // after the group's position.
    addEntries(c, "serve:holes", 0, 6);
    run(c, {"XGROUP", "CREATE", "serve:holes", "h", "0"});
    const RedisReply all = run(c, {"XRANGE", "serve:holes", "-", "+"});
    run(c, {"XDEL", "serve:holes", all.elements()[4].elements()[0].bytes()});
    run(c, {"XGROUP", "SETID", "serve:holes", "h", all.elements()[1].elements()[0].bytes()});
}

void TestServe::cleanupTestCase() {
    m_admin.reset();
    if (m_server)
        m_server->stop();
}

void TestServe::metricsMatchXinfo() {
    Serve serve(m_dir->path(), serveArgs(m_server->settings(), QStringLiteral("serve:*")));
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    QByteArray body;
    // Every group of the three streams is there.
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [](const QHash<QByteArray, double> &m) {
                     return m.value("streamscope_up") == 1
                            && m.contains(
                                "streamscope_group_pending_entries{stream=\"serve:orders\","
                                "group=\"audit\"}")
                            && m.contains("streamscope_group_lag_known{stream=\"serve:holes\","
                                          "group=\"h\"}")
                            && m.contains("streamscope_stream_length{stream=\""
                                          + labelOf("serve:" + weirdName) + "\"}");
                 },
                 &body),
             body.constData());
    const QHash<QByteArray, double> m = samples(body);
    QCOMPARE(get(serve.port(), QStringLiteral("/metrics")).contentType,
             QByteArray("text/plain; version=0.0.4; charset=utf-8"));

    // Against XINFO, stream by stream and group by group.
    for (const QByteArray &name : {QByteArray("serve:orders"), QByteArray("serve:holes")}) {
        const auto stream = fields(run(*m_admin, {"XINFO", "STREAM", name}));
        const QByteArray s = "stream=\"" + name + '"';
        QCOMPARE(m.value("streamscope_stream_length{" + s + '}', -1),
                 double(integer(stream["length"])));
        QCOMPARE(m.value("streamscope_stream_entries_added_total{" + s + '}', -1),
                 double(integer(stream["entries-added"])));
        QVERIFY(m.value("streamscope_stream_last_entry_age_seconds{" + s + '}', -1) >= 0);
        const RedisReply groups = run(*m_admin, {"XINFO", "GROUPS", name});
        for (const RedisReply &g : groups.elements()) {
            auto f = fields(g);
            const QByteArray labels = s + ",group=\"" + f["name"].bytes() + '"';
            const QByteArray what = name + '/' + f["name"].bytes();
            QVERIFY2(m.value("streamscope_group_pending_entries{" + labels + '}', -1)
                         == double(integer(f["pending"])),
                     what.constData());
            QVERIFY2(m.value("streamscope_group_consumers{" + labels + '}', -1)
                         == double(integer(f["consumers"])),
                     what.constData());
            if (f["entries-read"].isNil())
                QVERIFY2(!m.contains("streamscope_group_entries_read_total{" + labels + '}'),
                         what.constData());
            else
                QVERIFY2(m.value("streamscope_group_entries_read_total{" + labels + '}', -1)
                             == double(integer(f["entries-read"])),
                         what.constData());
            const bool known = m.value("streamscope_group_lag_known{" + labels + '}', -1) == 1;
            if (f["lag"].isNil()) {
                // Unknown to the server: either unknown here too (no sample), or our estimate,
                // flagged as one.
                QVERIFY2(!known || m.value("streamscope_group_lag_estimated{" + labels + '}') == 1,
                         what.constData());
            } else {
                QVERIFY2(known, what.constData());
                QVERIFY2(m.value("streamscope_group_lag_entries{" + labels + '}', -1)
                             == double(integer(f["lag"])),
                         what.constData());
            }
            if (!known)
                QVERIFY2(!m.contains("streamscope_group_lag_entries{" + labels + '}'),
                         what.constData());
            // Consumers.
            const RedisReply consumers =
                run(*m_admin, {"XINFO", "CONSUMERS", name, f["name"].bytes()});
            for (const RedisReply &c : consumers.elements()) {
                auto cf = fields(c);
                const QByteArray cl = labels + ",consumer=\"" + cf["name"].bytes() + '"';
                QVERIFY2(m.value("streamscope_consumer_pending_entries{" + cl + '}', -1)
                             == double(integer(cf["pending"])),
                         cl.constData());
                QVERIFY(m.value("streamscope_consumer_idle_seconds{" + cl + '}', -1) >= 0);
            }
        }
    }
    // The figures the fixture made, spelled out.
    const QByteArray billing = "{stream=\"serve:orders\",group=\"billing\"}";
    const QByteArray audit = "{stream=\"serve:orders\",group=\"audit\"}";
    QCOMPARE(m.value("streamscope_group_pending_entries" + billing), 3.0);
    QCOMPARE(m.value("streamscope_group_lag_entries" + billing), 8.0);
    // audit was created at "$": Redis 7.0 does not know its entries-read, so neither its lag.
    QCOMPARE(m.value("streamscope_group_lag_known" + audit, -1), 0.0);
    QVERIFY(!m.contains("streamscope_group_lag_entries" + audit));
    QCOMPARE(m.value("streamscope_group_consumers" + audit), 0.0);
    QCOMPARE(
        m.value("streamscope_consumer_pending_entries{stream=\"serve:orders\",group=\"billing\","
                "consumer=\"c1\"}"),
        3.0);
    QVERIFY(m.value("streamscope_group_time_lag_seconds" + billing, -1) >= 0);
    QVERIFY(m.value("streamscope_group_oldest_pending_age_seconds" + billing, -1) >= 0);
    // audit has lag and no consumer: a finding, by kind and severity.
    bool found = false;
    for (auto it = m.cbegin(); it != m.cend(); ++it)
        found =
            found
            || (it.key().startsWith("streamscope_findings{stream=\"serve:orders\",group=\"audit\","
                                    "kind=\"no-consumers\"")
                && it.value() >= 1);
    QVERIFY2(found, body.constData());
    // The escaped name: the group label too.
    const QByteArray weird = labelOf("serve:" + weirdName);
    QVERIFY2(!weird.contains('\n') && weird.contains("\\\"") && weird.contains("\\\\"),
             weird.constData());
    QCOMPARE(m.value("streamscope_stream_length{stream=\"" + weird + "\"}"), 3.0);
    QVERIFY(m.contains("streamscope_group_lag_entries{stream=\"" + weird + "\",group=\"g\\\"1\"}"));
    // StreamScope itself.
    QCOMPARE(m.value("streamscope_streams_watched"), 3.0);
    QCOMPARE(m.value("streamscope_partial"), 0.0);
    QCOMPARE(m.value("streamscope_nodes_missing"), 0.0);
    QVERIFY(m.value("streamscope_commands_sent_total") > 0);
    QVERIFY(m.value("streamscope_poll_duration_seconds", -1) >= 0);
    QVERIFY(qAbs(m.value("streamscope_last_poll_timestamp_seconds")
                 - double(QDateTime::currentMSecsSinceEpoch()) / 1000.0)
            < 10);
    QVERIFY(m.contains("streamscope_server_info{version=\"7.0.15\",mode=\"standalone\"}")
            || body.contains("streamscope_server_info{version="));
    // A counter grows with what happens: 5 more entries.
    addEntries(*m_admin, "serve:orders", 20, 5);
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [](const QHash<QByteArray, double> &now) {
                     return now.value("streamscope_stream_entries_added_total{stream=\"serve:"
                                      "orders\"}")
                                == 17
                            && now.value("streamscope_group_lag_entries{stream=\"serve:orders\","
                                         "group=\"billing\"}")
                                   == 13;
                 },
                 &body),
             body.constData());
}

void TestServe::promtoolAcceptsTheOutput() {
    Serve serve(m_dir->path(), serveArgs(m_server->settings(), QStringLiteral("serve:*")));
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    QByteArray body;
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [](const QHash<QByteArray, double> &m) {
                     return m.contains("streamscope_group_lag_known{stream=\"serve:holes\","
                                       "group=\"h\"}");
                 },
                 &body),
             body.constData());
    const QByteArray verdict = promtoolVerdict(body);
    QVERIFY2(verdict.isEmpty(), verdict.constData());
}

void TestServe::httpAnswersEndTheConnection() {
    Serve serve(m_dir->path(), serveArgs(m_server->settings(), QStringLiteral("serve:*")));
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    QTRY_COMPARE_WITH_TIMEOUT(get(serve.port(), QStringLiteral("/ready")).status, 200, 15000);
    // A client that reads to the end (HTTP/1.0, a script with nc): the answer ends with the
    // connection; unknown paths are 404, other methods 405.
    auto raw = [&](const QByteArray &request) {
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), quint16(serve.port()));
        if (!socket.waitForConnected(5000))
            return QByteArray("no connection");
        socket.write(request);
        QByteArray answer;
        QElapsedTimer t;
        t.start();
        while (socket.state() == QAbstractSocket::ConnectedState && t.elapsed() < 5000) {
            socket.waitForReadyRead(200);
            answer += socket.readAll();
        }
        answer += socket.readAll();
        return socket.state() == QAbstractSocket::ConnectedState ? QByteArray("still open")
                                                                 : answer;
    };
    QByteArray a = raw("GET /metrics HTTP/1.0\r\n\r\n");
    QVERIFY2(a.startsWith("HTTP/1.1 200") && a.contains("\r\n\r\n# HELP streamscope_up"),
             a.left(300).constData());
    a = raw("GET /nothing HTTP/1.0\r\n\r\n");
    QVERIFY2(a.startsWith("HTTP/1.1 404"), a.constData());
    a = raw("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    QVERIFY2(a.startsWith("HTTP/1.1 405") && a.contains("Allow: GET, HEAD"), a.constData());
    a = raw("HEAD /ready HTTP/1.1\r\nHost: x\r\n\r\n");
    QVERIFY2(a.startsWith("HTTP/1.1 200") && a.endsWith("\r\n\r\n"), a.constData());
}

void TestServe::httpClientsAreBounded() {
    // Clients that send nothing, send forever or open connection after connection hold no
    // socket, memory or scrape hostage: a scrape is answered at once beside them, a request
    // over 64 KiB ends its connection, more than 64 connections are answered 503, and a
    // connection whose request has not come in 10 s is closed.
    Serve serve(m_dir->path(), serveArgs(m_server->settings(), QStringLiteral("serve:*")));
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    const quint16 port = quint16(serve.port());
    QTRY_COMPARE_WITH_TIMEOUT(get(port, QStringLiteral("/ready")).status, 200, 15000);
    const auto open = [port] {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QStringLiteral("127.0.0.1"), port);
        return socket->waitForConnected(5000) ? std::move(socket) : nullptr;
    };
    const auto closedWithin = [](QTcpSocket &socket, int ms) {
        QElapsedTimer t;
        t.start();
        while (socket.state() == QAbstractSocket::ConnectedState && t.elapsed() < ms) {
            socket.waitForReadyRead(100);
            socket.readAll();
        }
        return socket.state() != QAbstractSocket::ConnectedState;
    };
    QElapsedTimer idleFor;
    idleFor.start();
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (int i = 0; i < 63; ++i) {
        idle.push_back(open());
        QVERIFY(idle.back());
    }
    idle.front()->write("GET /metrics HTTP/1.1\r\nHost: x\r\n"); // never finished
    QVERIFY(idle.front()->waitForBytesWritten(2000));
    QElapsedTimer t;
    t.start();
    QCOMPARE(get(port, QStringLiteral("/metrics")).status, 200); // the 64th
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));

    // One more connection while 64 are open: 503 at once, closed.
    auto extra = open();
    QVERIFY(extra);
    auto second = open();
    QVERIFY(second);
    QVERIFY(closedWithin(*second, 5000) || closedWithin(*extra, 5000));
    QTRY_VERIFY_WITH_TIMEOUT(serve.log().contains(QLatin1String("refused")), 5000);
    extra.reset();
    second.reset();

    // Headers without end: the connection is closed well before they fill memory.
    idle.pop_back();
    auto endless = open();
    QVERIFY(endless);
    endless->write("GET /metrics HTTP/1.1\r\nHost: x\r\n");
    const QByteArray junk = "X-Junk: " + QByteArray(1000, 'a') + "\r\n";
    int sent = 0;
    for (; sent < 5000 && endless->state() == QAbstractSocket::ConnectedState; ++sent) {
        endless->write(junk);
        endless->waitForBytesWritten(1000);
    }
    QVERIFY2(closedWithin(*endless, 5000), qPrintable(QString::number(sent)));
    QVERIFY2(sent < 5000, qPrintable(QString::number(sent))); // closed long before 5 MB

    // The idle ones are closed after 10 s; the server answers as before.
    for (auto &socket : idle)
        QVERIFY2(closedWithin(*socket, int(qMax<qint64>(1, 13000 - idleFor.elapsed()))),
                 qPrintable(QString::number(idleFor.elapsed())));
    QVERIFY2(idleFor.elapsed() >= 9000, qPrintable(QString::number(idleFor.elapsed())));
    QCOMPARE(get(port, QStringLiteral("/metrics")).status, 200);
    QVERIFY(serve.running());
}

void TestServe::labelsAreUnambiguous() {
    // "esc:a" + the byte 0xff is shown "esc:a\xff"; a stream named with those four characters
    // typed must not make the same series (a duplicate: Prometheus keeps one, silently).
    const QByteArray raw = QByteArray("esc:a") + '\xff';
    const QByteArray typed = "esc:a\\xff";
    addEntries(*m_admin, raw, 0, 1);
    addEntries(*m_admin, typed, 0, 2);
    Serve serve(m_dir->path(), serveArgs(m_server->settings(), QStringLiteral("esc:*")));
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    const QByteArray rawSeries = "streamscope_stream_length{stream=\"" + labelOf(raw) + "\"}";
    const QByteArray typedSeries = "streamscope_stream_length{stream=\"" + labelOf(typed) + "\"}";
    QVERIFY(rawSeries != typedSeries);
    QByteArray body;
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [&](const QHash<QByteArray, double> &m) {
                     return m.value(rawSeries) == 1 && m.value(typedSeries) == 2;
                 },
                 &body),
             body.constData());
    QCOMPARE(body.count("streamscope_stream_length{"), 2);
    QCOMPARE(samples(body).size(), body.count('\n') - 2 * body.count("# HELP"));
    const QByteArray verdict = promtoolVerdict(body);
    QVERIFY2(verdict.isEmpty(), verdict.constData());
}

void TestServe::scrapesTogetherShareOneBody() {
    // Scrapes in the same 250 ms with no poll between them get the same body (1,000 streams
    // make 2.8 MB, 30-50 ms to write on the thread that answers); later ones a fresh one (the
    // ages in it move on).
    Serve serve(m_dir->path(),
                QStringList{QStringLiteral("-h"), m_server->settings().host, QStringLiteral("-p"),
                            QString::number(m_server->settings().port), QStringLiteral("serve"),
                            QStringLiteral("serve:*"), QStringLiteral("--listen"),
                            QStringLiteral("127.0.0.1:0"), QStringLiteral("--interval"),
                            QStringLiteral("30")});
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    const int port = serve.port();
    QTRY_COMPARE_WITH_TIMEOUT(get(port, QStringLiteral("/ready")).status, 200, 15000);
    QTest::qWait(500); // the first poll's signals have all come
    const QByteArray first = get(port, QStringLiteral("/metrics")).body;
    const QByteArray second = get(port, QStringLiteral("/metrics")).body;
    QVERIFY(first.contains("streamscope_stream_sample_age_seconds{"));
    QCOMPARE(second, first);
    QTest::qWait(400);
    const QByteArray later = get(port, QStringLiteral("/metrics")).body;
    QVERIFY(later != first);
    QCOMPARE(samples(later).value("streamscope_up"), 1.0);
}

void TestServe::healthIsTheDoctorReport() {
    Serve serve(m_dir->path(), serveArgs(m_server->settings(), QStringLiteral("serve:*")));
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    Http h;
    QTRY_VERIFY_WITH_TIMEOUT(
        (h = get(serve.port(), QStringLiteral("/health"))).body.contains("\"streams\""), 15000);
    const CliRun doctor =
        runCli({QStringLiteral("-h"), m_server->settings().host, QStringLiteral("-p"),
                QString::number(m_server->settings().port), QStringLiteral("doctor"),
                QStringLiteral("serve:*"), QStringLiteral("--json")});
    QVERIFY2(doctor.exitCode == 1, doctor.err.constData()); // audit: no consumers
    const QJsonObject served = QJsonDocument::fromJson(h.body).object();
    const QJsonObject printed = QJsonDocument::fromJson(doctor.out).object();
    QVERIFY2(!printed.isEmpty(), doctor.out.constData());
    // The same shape: keys at every level, the same streams and groups, the same findings.
    QCOMPARE(keysOf(served), keysOf(printed));
    QCOMPARE(keysOf(served[QStringLiteral("server")].toObject()),
             keysOf(printed[QStringLiteral("server")].toObject()));
    const QJsonArray a = served[QStringLiteral("streams")].toArray();
    const QJsonArray b = printed[QStringLiteral("streams")].toArray();
    QCOMPARE(a.size(), b.size());
    for (qsizetype i = 0; i < a.size(); ++i) {
        const QJsonObject sa = a[i].toObject();
        const QJsonObject sb = b[i].toObject();
        QCOMPARE(keysOf(sa), keysOf(sb));
        QCOMPARE(sa[QStringLiteral("name")], sb[QStringLiteral("name")]);
        QCOMPARE(sa[QStringLiteral("length")], sb[QStringLiteral("length")]);
        const QJsonArray ga = sa[QStringLiteral("groups")].toArray();
        const QJsonArray gb = sb[QStringLiteral("groups")].toArray();
        QCOMPARE(ga.size(), gb.size());
        for (qsizetype j = 0; j < ga.size(); ++j) {
            const QJsonObject x = ga[j].toObject();
            const QJsonObject y = gb[j].toObject();
            QCOMPARE(keysOf(x), keysOf(y));
            QCOMPARE(x[QStringLiteral("name")], y[QStringLiteral("name")]);
            QCOMPARE(x[QStringLiteral("pending")], y[QStringLiteral("pending")]);
            QCOMPARE(x[QStringLiteral("status")], y[QStringLiteral("status")]);
            QStringList kx, ky;
            for (const QJsonValue &f : x[QStringLiteral("findings")].toArray())
                kx << f[QStringLiteral("kind")].toString();
            for (const QJsonValue &f : y[QStringLiteral("findings")].toArray())
                ky << f[QStringLiteral("kind")].toString();
            QCOMPARE(kx, ky);
        }
    }
    // Findings: 503, and doctor's exit code in a header.
    QCOMPARE(h.status, 503);
    QCOMPARE(h.doctorExit, QByteArray("1"));
    // No finding: 200 (a pattern matching a healthy stream only).
    addEntries(*m_admin, "healthy:s", 0, 2);
    run(*m_admin, {"XGROUP", "CREATE", "healthy:s", "g", "$"});
    run(*m_admin, {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "healthy:s", ">"});
    Serve calm(m_dir->path(), serveArgs(m_server->settings(), QStringLiteral("healthy:*")));
    QVERIFY2(calm.start(), qPrintable(calm.log()));
    QTRY_VERIFY_WITH_TIMEOUT((h = get(calm.port(), QStringLiteral("/health"))).status == 200,
                             15000);
    QCOMPARE(h.doctorExit, QByteArray("0"));
    QCOMPARE(QJsonDocument::fromJson(h.body).object()[QStringLiteral("partial")].toBool(true),
             false);
}

void TestServe::readyOutageAndReturn() {
    // A server of its own, on a port that stays the same across restarts.
    auto server = std::make_unique<LocalRedisServer>();
    STREAMSCOPE_START_REDIS(*server);
    const ConnectionSettings settings = server->settings();
    LocalRedisServer::Options same;
    same.port = server->port();
    server->stop();

    // Started while the server is down: serving, not ready, up 0, and it does not exit.
    Serve serve(m_dir->path(), serveArgs(settings, QStringLiteral("*")));
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    Http h = get(serve.port(), QStringLiteral("/ready"));
    QCOMPARE(h.status, 503);
    QVERIFY2(h.body.startsWith("not ready: "), h.body.constData());
    QTest::qWait(1000);
    QVERIFY(serve.running());
    {
        // SIGTERM while it waits to reconnect: exit 0 at once.
        Serve waiting(m_dir->path(), serveArgs(settings, QStringLiteral("*")));
        QVERIFY2(waiting.start(), qPrintable(waiting.log()));
        QTest::qWait(500);
        QElapsedTimer t;
        t.start();
        QCOMPARE(waiting.stop(), 0);
        QVERIFY2(t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));
    }
    h = get(serve.port(), QStringLiteral("/metrics"));
    QCOMPARE(samples(h.body).value("streamscope_up", -1), 0.0);
    QVERIFY(samples(h.body).value("streamscope_poll_errors_total") >= 1);
    // promtool accepts the output of a server that is down too (families without samples).
    const QByteArray verdict = promtoolVerdict(h.body);
    QVERIFY2(verdict.isEmpty(), verdict.constData());
    QCOMPARE(get(serve.port(), QStringLiteral("/health")).status, 503);

    // The server comes: ready, up, figures.
    server = std::make_unique<LocalRedisServer>(same);
    STREAMSCOPE_START_REDIS(*server);
    auto c = connectTo(server->settings());
    QVERIFY(c);
    addEntries(*c, "back:s", 0, 4);
    run(*c, {"XGROUP", "CREATE", "back:s", "g", "0"});
    QTRY_COMPARE_WITH_TIMEOUT(get(serve.port(), QStringLiteral("/ready")).status, 200, 15000);
    QByteArray body;
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [](const QHash<QByteArray, double> &m) {
                     return m.value("streamscope_up") == 1
                            && m.value("streamscope_stream_length{stream=\"back:s\"}") == 4;
                 },
                 &body),
             body.constData());

    // Killed: up 0 at once, no per-stream series served as if current, not ready, still there.
    c.reset();
    server->kill();
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [](const QHash<QByteArray, double> &m) {
                     return m.value("streamscope_up", -1) == 0
                            && !m.contains("streamscope_stream_length{stream=\"back:s\"}")
                            && !m.contains("streamscope_group_lag_entries{stream=\"back:s\","
                                           "group=\"g\"}")
                            && m.value("streamscope_last_poll_timestamp_seconds") > 0;
                 },
                 &body, 10000),
             body.constData());
    h = get(serve.port(), QStringLiteral("/ready"));
    QCOMPARE(h.status, 503);
    QVERIFY2(h.body.contains("does not answer"), h.body.constData());
    QCOMPARE(get(serve.port(), QStringLiteral("/health")).status, 503);
    QTest::qWait(1500);
    QVERIFY2(serve.running(), qPrintable(serve.log()));

    // Back: reconnects by itself.
    server = std::make_unique<LocalRedisServer>(same);
    STREAMSCOPE_START_REDIS(*server);
    c = connectTo(server->settings());
    QVERIFY(c);
    addEntries(*c, "back:s", 0, 2);
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [](const QHash<QByteArray, double> &m) {
                     return m.value("streamscope_up") == 1
                            && m.value("streamscope_stream_length{stream=\"back:s\"}") == 2;
                 },
                 &body),
             body.constData());
    QTRY_COMPARE_WITH_TIMEOUT(get(serve.port(), QStringLiteral("/ready")).status, 200, 15000);
    QVERIFY2(serve.log().contains(QLatin1String("the server answers again")),
             qPrintable(serve.log()));
    QCOMPARE(serve.stop(), 0);
    server->stop();
}

void TestServe::sigtermAndSigintExitCleanly() {
    for (const int sig : {SIGTERM, SIGINT}) {
        Serve serve(m_dir->path(), serveArgs(m_server->settings(), QStringLiteral("serve:*")));
        QVERIFY2(serve.start(), qPrintable(serve.log()));
        const int port = serve.port();
        QTRY_COMPARE_WITH_TIMEOUT(get(port, QStringLiteral("/ready")).status, 200, 15000);
        QCOMPARE(serve.stop(sig), 0);
        QVERIFY2(serve.log().contains(QLatin1String("stopped")), qPrintable(serve.log()));
        // The socket is closed.
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), quint16(port));
        QVERIFY(!socket.waitForConnected(2000));
    }
}

void TestServe::busyPortIsRefused() {
    QTcpServer taken;
    QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
    const CliRun r = runCli({QStringLiteral("-h"), m_server->settings().host, QStringLiteral("-p"),
                             QString::number(m_server->settings().port), QStringLiteral("serve"),
                             QStringLiteral("--listen"), QString::number(taken.serverPort())},
                            {}, 20000);
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains("cannot listen on 127.0.0.1:" + QByteArray::number(taken.serverPort())),
             r.err.constData());
    QVERIFY2(r.err.contains("--listen"), r.err.constData());
}

void TestServe::everyInterfaceAndNoMatchAreSaid() {
    // Listening beyond loopback is warned about (no authentication); a PATTERN that matches
    // nothing is said once, not taken for a quiet system.
    QProcess p;
    p.setProgram(executablePath());
    p.setArguments({QStringLiteral("-h"), m_server->settings().host, QStringLiteral("-p"),
                    QString::number(m_server->settings().port), QStringLiteral("serve"),
                    QStringLiteral("nosuchstream:*"), QStringLiteral("--listen"),
                    QStringLiteral("0.0.0.0:0"), QStringLiteral("--interval"),
                    QStringLiteral("0.2")});
    dieWithParent(p);
    p.start();
    QVERIFY(p.waitForStarted(5000));
    QByteArray err;
    QTRY_VERIFY_WITH_TIMEOUT((err += p.readAllStandardError()).contains("no stream matches"),
                             15000);
    QVERIFY2(err.contains("warning: 0.0.0.0 is not a loopback address"), err.constData());
    QVERIFY2(err.contains("no stream matches 'nosuchstream:*' (yet)"), err.constData());
    QTest::qWait(6500); // listed again (every 6 s here): not said again
    err += p.readAllStandardError();
    QCOMPARE(err.count("no stream matches"), 1);
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
}

void TestServe::usageErrors() {
    const QStringList listen{QStringLiteral("--listen"), QStringLiteral("0")};
    for (const QStringList &args :
         {QStringList{QStringLiteral("serve")}, // --listen is required
          QStringList{QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("abc")},
          QStringList{QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("70000")},
          // Not host "::" (every interface), port 1.
          QStringList{QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("::1")},
          QStringList{QStringLiteral("serve"), QStringLiteral("--interval"), QStringLiteral("0")}
              + listen,
          QStringList{QStringLiteral("serve"), QStringLiteral("--alert-webhook"),
                      QStringLiteral("ftp://x")}
              + listen,
          QStringList{QStringLiteral("serve"), QStringLiteral("--alert-webhook"),
                      QStringLiteral("http:///hook")}
              + listen,
          QStringList{QStringLiteral("serve"), QStringLiteral("--max-deliveries"),
                      QStringLiteral("0")}
              + listen,
          QStringList{QStringLiteral("serve"), QStringLiteral("a*"), QStringLiteral("b*")}
              + listen}) {
        const CliRun r = runCli(args, {}, 20000);
        QVERIFY2(r.exitCode == 2, qPrintable(args.join(QLatin1Char(' ')) + QLatin1String(": ")
                                             + QString::fromUtf8(r.err)));
    }
    const CliRun help = runCli({QStringLiteral("serve"), QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains("--listen") && help.out.contains("Exit codes"));
}

void TestServe::alertsReachTheWebhookAndCommandOncePerTransition() {
    // A group with entries to read and no consumer: no-consumers, critical.
    addEntries(*m_admin, "alert:s", 0, 3);
    run(*m_admin, {"XGROUP", "CREATE", "alert:s", "g", "0"});
    Receiver receiver;
    QVERIFY(receiver.port() > 0);
    const QString commandLog = m_dir->path() + QStringLiteral("/alert-command.log");
    Serve serve(
        m_dir->path(),
        serveArgs(m_server->settings(), QStringLiteral("alert:*"),
                  {QStringLiteral("--alert-webhook"),
                   QStringLiteral("http://127.0.0.1:%1/hook").arg(receiver.port()),
                   QStringLiteral("--alert-command"),
                   QStringLiteral("echo \"$STREAMSCOPE_ALERT_JSON\" >> '%1'").arg(commandLog),
                   QStringLiteral("--alert-raise-after"), QStringLiteral("0.4"),
                   QStringLiteral("--alert-clear-after"), QStringLiteral("0.6")}));
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    auto transitions = [&](const QList<QByteArray> &bodies, const QString &transition) {
        int n = 0;
        for (const QByteArray &b : bodies) {
            const QJsonObject o = QJsonDocument::fromJson(b).object();
            n += o[QStringLiteral("kind")].toString() == QLatin1String("no-consumers")
                         && o[QStringLiteral("stream")].toString() == QLatin1String("alert:s")
                         && o[QStringLiteral("transition")].toString() == transition
                     ? 1
                     : 0;
        }
        return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(transitions(receiver.bodies, QStringLiteral("raised")), 1, 15000);
    // The raised alert is active in /metrics.
    QCOMPARE(samples(get(serve.port(), QStringLiteral("/metrics")).body)
                 .value("streamscope_alerts_active", -1),
             1.0);
    // Polls go on (every 0.2 s): no second alert for the same finding.
    QTest::qWait(2000);
    QCOMPARE(transitions(receiver.bodies, QStringLiteral("raised")), 1);
    QVERIFY2(serve.log().contains(QLatin1String("alert: RAISED critical no-consumers")),
             qPrintable(serve.log()));
    // A consumer reads everything and acknowledges: the finding clears, once.
    const RedisReply read =
        run(*m_admin, {"XREADGROUP", "GROUP", "g", "worker", "STREAMS", "alert:s", ">"});
    Command ack{"XACK", "alert:s", "g"};
    for (const RedisReply &e : read.elements()[0].elements()[1].elements())
        ack.append(e.elements()[0].bytes());
    run(*m_admin, ack);
    QTRY_COMPARE_WITH_TIMEOUT(transitions(receiver.bodies, QStringLiteral("cleared")), 1, 15000);
    QTest::qWait(1500);
    QCOMPARE(transitions(receiver.bodies, QStringLiteral("raised")), 1);
    QCOMPARE(transitions(receiver.bodies, QStringLiteral("cleared")), 1);
    // The command had the same events in its environment.
    QList<QByteArray> lines;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            QFile f(commandLog);
            lines = f.open(QIODevice::ReadOnly) ? f.readAll().split('\n') : QList<QByteArray>();
            return transitions(lines, QStringLiteral("cleared")) == 1;
        }(),
        10000);
    QCOMPARE(transitions(lines, QStringLiteral("raised")), 1);
    // And /metrics counted them.
    const QHash<QByteArray, double> m = samples(get(serve.port(), QStringLiteral("/metrics")).body);
    QVERIFY(m.value("streamscope_alerts_total{transition=\"raised\"}") >= 1);
    QVERIFY(m.value("streamscope_alerts_total{transition=\"cleared\"}") >= 1);
    QVERIFY(m.value("streamscope_alert_deliveries_total{target=\"webhook\"}") >= 2);
    QCOMPARE(m.value("streamscope_alert_delivery_failures_total{target=\"webhook\"}", -1), 0.0);
    QCOMPARE(m.value("streamscope_alerts_active", -1), 0.0);
    QCOMPARE(serve.stop(), 0);
}

void TestServe::sigtermWithAlertsUnderWaySaysSo() {
    // A webhook that accepts and never answers: SIGTERM while the alert is under way stops
    // within the sender's grace (3 s), exit 0, and says what was not delivered.
    addEntries(*m_admin, "hangalert:s", 0, 2);
    run(*m_admin, {"XGROUP", "CREATE", "hangalert:s", "g", "0"});
    QTcpServer mute;
    QVERIFY(mute.listen(QHostAddress::LocalHost, 0));
    Serve serve(m_dir->path(),
                serveArgs(m_server->settings(), QStringLiteral("hangalert:*"),
                          {QStringLiteral("--alert-webhook"),
                           QStringLiteral("http://127.0.0.1:%1/hook").arg(mute.serverPort()),
                           QStringLiteral("--alert-raise-after"), QStringLiteral("0")}));
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    QTRY_VERIFY_WITH_TIMEOUT(serve.log().contains(QLatin1String("alert: RAISED")), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(mute.hasPendingConnections(), 5000); // the POST is under way
    QElapsedTimer t;
    t.start();
    QCOMPARE(serve.stop(), 0);
    QVERIFY2(t.elapsed() < 6000, qPrintable(QString::number(t.elapsed())));
    QVERIFY2(serve.log().contains(QRegularExpression(QStringLiteral("stopping: \\d+ alerts? not "
                                                                    "delivered"))),
             qPrintable(serve.log()));
}

void TestServe::aclLimitsArePartialNotZero() {
    // A user that may read serve:orders only, and not run XPENDING.
    run(*m_admin, {"ACL", "SETUSER", "servemon", "reset", "on", ">pw", "~serve:orders*", "+@all",
                   "-xpending"});
    const QString url = QStringLiteral("redis://servemon:pw@127.0.0.1:%1").arg(m_server->port());
    Serve serve(m_dir->path(),
                {QStringLiteral("-u"), url, QStringLiteral("serve"), QStringLiteral("serve:*"),
                 QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                 QStringLiteral("--interval"), QStringLiteral("0.2")});
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    const QByteArray billing = "{stream=\"serve:orders\",group=\"billing\"}";
    QByteArray body;
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [&](const QHash<QByteArray, double> &m) {
                     return m.value("streamscope_up") == 1
                            && m.contains("streamscope_group_pending_entries" + billing);
                 },
                 &body),
             body.constData());
    const QHash<QByteArray, double> m = samples(body);
    // The other streams are listed, not readable: counted, not served as 0.
    QCOMPARE(m.value("streamscope_streams_no_access"), 2.0);
    QCOMPARE(m.value("streamscope_streams_watched"), 1.0);
    QVERIFY(!m.contains("streamscope_stream_length{stream=\"serve:holes\"}"));
    // Without XPENDING the oldest pending age is unknown: no sample; the rules are counted.
    QCOMPARE(m.value("streamscope_group_pending_entries" + billing), 3.0);
    QVERIFY2(!m.contains("streamscope_group_oldest_pending_age_seconds" + billing),
             body.constData());
    QVERIFY(m.value("streamscope_group_rules_not_evaluated" + billing) >= 1);
    QCOMPARE(m.value("streamscope_partial"), 1.0);
    const Http h = get(serve.port(), QStringLiteral("/health"));
    QCOMPARE(h.status, 503);
    QCOMPARE(h.doctorExit, QByteArray("3"));
    QCOMPARE(serve.stop(), 0);
    run(*m_admin, {"ACL", "DELUSER", "servemon"});
}

void TestServe::streamLimitIsPartial() {
    // Three streams match, two are watched: said in /metrics and in /health.
    Serve serve(m_dir->path(), serveArgs(m_server->settings(), QStringLiteral("serve:*"),
                                         {QStringLiteral("--max-streams"), QStringLiteral("2")}));
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    QByteArray body;
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [](const QHash<QByteArray, double> &m) {
                     return m.value("streamscope_up") == 1
                            && m.value("streamscope_streams_truncated") == 1
                            && m.value("streamscope_streams_limit") == 2
                            && m.value("streamscope_streams_watched") == 2
                            && m.value("streamscope_partial") == 1;
                 },
                 &body),
             body.constData());
    QTRY_VERIFY_WITH_TIMEOUT(get(serve.port(), QStringLiteral("/ready")).status == 200, 10000);
    const Http h = get(serve.port(), QStringLiteral("/health"));
    QCOMPARE(h.status, 503);
    QCOMPARE(h.doctorExit, QByteArray("3"));
    const QJsonObject report = QJsonDocument::fromJson(h.body).object();
    QCOMPARE(report[QStringLiteral("truncated")].toBool(), true);
    QCOMPARE(report[QStringLiteral("partial")].toBool(), true);
    QCOMPARE(report[QStringLiteral("streams")].toArray().size(), 2);
    QCOMPARE(serve.stop(), 0);
}

void TestServe::cluster() {
    LocalRedisCluster cluster;
    const Error started = cluster.start();
    QVERIFY2(!started,
             qPrintable(QStringLiteral("cannot start the test cluster: ") + started.message));
    auto admin = openClient(cluster.settings(0));
    QVERIFY2(admin.ok(), qPrintable(admin.error().message));
    // Streams on every primary (different slots).
    for (int i = 0; i < 12; ++i) {
        const QByteArray name = "cl:" + QByteArray::number(i);
        for (int j = 0; j <= i; ++j)
            QVERIFY(admin.value()->command({"XADD", name, "*", "n", QByteArray::number(j)}).ok());
        QVERIFY(admin.value()->command({"XGROUP", "CREATE", name, "g", "0"}).ok());
    }
    const ConnectionSettings s = cluster.settings(0);
    Serve serve(m_dir->path(), serveArgs(s, QStringLiteral("cl:*")));
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    QByteArray body;
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [](const QHash<QByteArray, double> &m) {
                     if (m.value("streamscope_up") != 1
                         || m.value("streamscope_streams_watched") != 12)
                         return false;
                     for (int i = 0; i < 12; ++i) {
                         const QByteArray l = "{stream=\"cl:" + QByteArray::number(i) + "\"";
                         if (m.value("streamscope_stream_length" + l + '}') != i + 1
                             || m.value("streamscope_group_lag_entries" + l + ",group=\"g\"}", -1)
                                    != i + 1)
                             return false;
                     }
                     return true;
                 },
                 &body, 30000),
             body.constData());
    const QHash<QByteArray, double> m = samples(body);
    QCOMPARE(m.value("streamscope_nodes_missing"), 0.0);
    QCOMPARE(m.value("streamscope_partial"), 0.0);
    QVERIFY2(body.contains("mode=\"cluster\""), body.constData());

    // A primary dies and its replica takes over. At every scrape meanwhile the picture is either
    // whole and current, or says it is partial (which node is missing, fewer streams), or down
    // without stream series; afterwards it is whole again.
    cluster.node(0).kill();
    QElapsedTimer t;
    t.start();
    bool whole = false;
    int partialSeen = 0;
    while (t.elapsed() < 20000 && !(whole && t.elapsed() > 8000)) {
        const Http h = get(serve.port(), QStringLiteral("/metrics"));
        QCOMPARE(h.status, 200);
        const QHash<QByteArray, double> now = samples(h.body);
        int streams = 0;
        for (auto it = now.cbegin(); it != now.cend(); ++it)
            streams += it.key().startsWith("streamscope_stream_length{") ? 1 : 0;
        if (now.value("streamscope_up") != 1) {
            QVERIFY2(streams == 0, h.body.constData());
            whole = false;
        } else if (now.value("streamscope_nodes_missing") > 0) {
            QVERIFY2(now.value("streamscope_partial") == 1 && streams < 12, h.body.constData());
            ++partialSeen;
            whole = false;
        } else {
            whole = streams == 12 && now.value("streamscope_partial") == 0;
        }
        QTest::qWait(200);
    }
    QVERIFY2(whole, qPrintable(QStringLiteral("not whole again 20 s after the failover (%1 partial "
                                              "scrapes)")
                                   .arg(partialSeen)));
}

void TestServe::clusterNodeMissing() {
    // No replicas and a long node timeout: a dead primary stays dead and the others keep
    // answering for their slots.
    LocalRedisCluster::Options options;
    options.replicasPerPrimary = 0;
    options.nodeTimeoutMs = 60000;
    LocalRedisCluster cluster(options);
    const Error started = cluster.start();
    QVERIFY2(!started,
             qPrintable(QStringLiteral("cannot start the test cluster: ") + started.message));
    auto admin = openClient(cluster.settings(0));
    QVERIFY2(admin.ok(), qPrintable(admin.error().message));
    for (int i = 0; i < 12; ++i)
        QVERIFY(
            admin.value()->command({"XADD", "cm:" + QByteArray::number(i), "*", "n", "1"}).ok());
    Serve serve(m_dir->path(), serveArgs(cluster.settings(1), QStringLiteral("cm:*")));
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    QByteArray body;
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [](const QHash<QByteArray, double> &m) {
                     return m.value("streamscope_streams_watched") == 12;
                 },
                 &body, 20000),
             body.constData());
    cluster.node(0).kill();
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [](const QHash<QByteArray, double> &now) {
                     int streams = 0;
                     for (auto it = now.cbegin(); it != now.cend(); ++it)
                         streams += it.key().startsWith("streamscope_stream_length{") ? 1 : 0;
                     return now.value("streamscope_up") == 1
                            && now.value("streamscope_nodes_missing") == 1
                            && now.value("streamscope_partial") == 1 && streams > 0 && streams < 12
                            && now.value("streamscope_streams_watched") == streams;
                 },
                 &body, 20000),
             body.constData());
    // /health: partial, 503, doctor's exit 3, the node named.
    const Http h = get(serve.port(), QStringLiteral("/health"));
    QCOMPARE(h.status, 503);
    QCOMPARE(h.doctorExit, QByteArray("3"));
    const QJsonObject report = QJsonDocument::fromJson(h.body).object();
    QCOMPARE(report[QStringLiteral("partial")].toBool(), true);
    QCOMPARE(report[QStringLiteral("missing")].toArray().size(), 1);
    QCOMPARE(report[QStringLiteral("missing")][0][QStringLiteral("node")].toString(),
             cluster.settings(0).endpoint());
    // And the log names it, once.
    const QString missingLine = QStringLiteral("partial: slots ");
    QTRY_VERIFY_WITH_TIMEOUT(serve.log().contains(missingLine), 5000);
    QVERIFY2(serve.log().contains(cluster.settings(0).endpoint()), qPrintable(serve.log()));
    QTest::qWait(1000);
    QCOMPARE(serve.log().count(missingLine), 1);
    QCOMPARE(serve.stop(), 0);
}

void TestServe::sentinel() {
    LocalRedisSentinel sentinel;
    const Error started = sentinel.start();
    QVERIFY2(!started, qPrintable(QStringLiteral("cannot start Sentinel: ") + started.message));
    auto admin = openClient(sentinel.settings());
    QVERIFY2(admin.ok(), qPrintable(admin.error().message));
    for (int j = 0; j < 5; ++j)
        QVERIFY(admin.value()->command({"XADD", "sn:s", "*", "n", QByteArray::number(j)}).ok());
    QVERIFY(admin.value()->command({"XGROUP", "CREATE", "sn:s", "g", "0"}).ok());
    Serve serve(m_dir->path(),
                {QStringLiteral("-u"), sentinel.url(), QStringLiteral("serve"),
                 QStringLiteral("sn:*"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                 QStringLiteral("--interval"), QStringLiteral("0.2")});
    QVERIFY2(serve.start(), qPrintable(serve.log()));
    QByteArray body;
    QVERIFY2(waitForMetrics(
                 serve.port(),
                 [](const QHash<QByteArray, double> &m) {
                     return m.value("streamscope_up") == 1
                            && m.value("streamscope_stream_length{stream=\"sn:s\"}") == 5
                            && m.value("streamscope_group_lag_entries{stream=\"sn:s\",group=\"g\"}")
                                   == 5;
                 },
                 &body, 20000),
             body.constData());
    QTRY_COMPARE_WITH_TIMEOUT(get(serve.port(), QStringLiteral("/ready")).status, 200, 10000);
    QCOMPARE(serve.stop(), 0);
}

QTEST_GUILESS_MAIN(TestServe)
#include "tst_serve.moc"
