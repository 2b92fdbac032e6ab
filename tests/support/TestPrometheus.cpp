#include "TestPrometheus.h"

#include "LocalRedisServer.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QThread>
#include <QUrl>

namespace streamscope::test {

namespace {

const char installHint[] = "install Debian's prometheus package (scripts/deps.sh does: "
                           "`apt-get install prometheus`)";

// A YAML double-quoted scalar.
QString yamlQuoted(const QString &text) {
    QString out = text;
    out.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('"'), QLatin1String("\\\""));
    return QLatin1Char('"') + out + QLatin1Char('"');
}

} // namespace

HttpReply httpGet(quint16 port, const QByteArray &pathAndQuery, int timeoutMs) {
    HttpReply reply;
    QDeadlineTimer deadline(timeoutMs);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(int(deadline.remainingTime()))) {
        reply.error = QStringLiteral("cannot connect to 127.0.0.1:%1: %2")
                          .arg(port)
                          .arg(socket.errorString());
        return reply;
    }
    socket.write("GET " + pathAndQuery + " HTTP/1.0\r\nHost: 127.0.0.1:" + QByteArray::number(port)
                 + "\r\nConnection: close\r\nAccept: */*\r\n\r\n");
    QByteArray raw;
    // The answer ends where its Content-Length says, or when the server closes the connection
    // (not every server closes after an HTTP/1.0 answer, even when asked to).
    const auto complete = [&raw] {
        const qsizetype headEnd = raw.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return false;
        for (const QByteArray &line : raw.left(headEnd).split('\n'))
            if (line.toLower().startsWith("content-length:"))
                return raw.size() - headEnd - 4 >= line.mid(15).trimmed().toLongLong();
        return false;
    };
    while (socket.state() != QAbstractSocket::UnconnectedState && !complete()
           && !deadline.hasExpired()) {
        socket.waitForReadyRead(int(qMin<qint64>(deadline.remainingTime(), 200)));
        raw += socket.readAll();
    }
    raw += socket.readAll();
    if (socket.state() != QAbstractSocket::UnconnectedState && !complete()) {
        reply.error = QStringLiteral("no complete answer from 127.0.0.1:%1 within %2 ms")
                          .arg(port)
                          .arg(timeoutMs);
        return reply;
    }
    const qsizetype headEnd = raw.indexOf("\r\n\r\n");
    const QList<QByteArray> statusLine = raw.left(raw.indexOf("\r\n")).split(' ');
    if (headEnd < 0 || statusLine.size() < 2 || !statusLine.first().startsWith("HTTP/")) {
        reply.error = QStringLiteral("not an HTTP answer from 127.0.0.1:%1: %2")
                          .arg(port)
                          .arg(QString::fromUtf8(raw.left(200)));
        return reply;
    }
    reply.status = statusLine.at(1).toInt();
    reply.body = raw.mid(headEnd + 4);
    return reply;
}

TestPrometheus::TestPrometheus()
    : TestPrometheus(Options()) {}

TestPrometheus::TestPrometheus(Options options)
    : m_options(std::move(options)) {}

TestPrometheus::~TestPrometheus() {
    stop();
}

QString TestPrometheus::executable() {
    QString path = QStandardPaths::findExecutable(QStringLiteral("prometheus"));
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(QStringLiteral("prometheus"),
                                              {QStringLiteral("/usr/bin")});
    return path;
}

QString TestPrometheus::address() const {
    return QStringLiteral("127.0.0.1:%1").arg(m_port);
}

QString TestPrometheus::dir() const {
    return m_dir ? m_dir->path() : QString();
}

QString TestPrometheus::configText() const {
    const int interval = qMax(1, m_options.scrapeIntervalSeconds);
    QString yml = QStringLiteral("# Written by the test (TestPrometheus).\n"
                                 "global:\n"
                                 "  scrape_interval: %1s\n"
                                 "  scrape_timeout: %1s\n"
                                 "  evaluation_interval: %1s\n"
                                 "scrape_configs:\n")
                      .arg(interval);
    QList<ScrapeTarget> targets = m_targets;
    if (m_options.scrapeItself)
        targets.prepend({QStringLiteral("prometheus"), address(), QStringLiteral("/metrics")});
    for (const ScrapeTarget &t : targets)
        yml += QStringLiteral("  - job_name: %1\n"
                              "    metrics_path: %2\n"
                              "    static_configs:\n"
                              "      - targets: [%3]\n")
                   .arg(yamlQuoted(t.job), yamlQuoted(t.metricsPath), yamlQuoted(t.address));
    return yml;
}

QString TestPrometheus::logTail(int lines) const {
    if (!m_dir)
        return {};
    QFile log(m_dir->filePath(QStringLiteral("prometheus.log")));
    if (!log.open(QIODevice::ReadOnly))
        return {};
    const QStringList all =
        QString::fromUtf8(log.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return all.mid(qMax(0, all.size() - lines)).join(QLatin1Char('\n'));
}

bool TestPrometheus::isRunning() const {
    return m_process && m_process->state() != QProcess::NotRunning;
}

Error TestPrometheus::start(int timeoutMs) {
    if (isRunning())
        return {};
    const QString program = m_options.program.isEmpty() ? executable() : m_options.program;
    if (program.isEmpty() || !QFile::exists(program))
        return Error(Error::Kind::Connect,
                     QStringLiteral("the prometheus server was not found%1: %2")
                         .arg(program.isEmpty() ? QStringLiteral(" on PATH")
                                                : QStringLiteral(" at ") + program,
                              QLatin1String(installHint)));
    if (!m_dir) {
        m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath()
                                                + QStringLiteral("/streamscope-prom-XXXXXX"));
        if (!m_dir->isValid())
            return Error(Error::Kind::Connect,
                         QStringLiteral("cannot create a temporary directory: %1")
                             .arg(m_dir->errorString()));
    }

    // A free port can be taken between our probe and the server's bind: try a few.
    Error lastError;
    for (int attempt = 0; attempt < 3; ++attempt) {
        m_port = LocalRedisServer::freePort();
        const QString configPath = m_dir->filePath(QStringLiteral("prometheus.yml"));
        QFile config(configPath);
        if (!config.open(QIODevice::WriteOnly | QIODevice::Truncate)
            || config.write(configText().toUtf8()) < 0 || !config.flush())
            return Error(
                Error::Kind::Connect,
                QStringLiteral("cannot write %1: %2").arg(configPath, config.errorString()));
        config.close();
        const QString logPath = m_dir->filePath(QStringLiteral("prometheus.log"));
        QFile::remove(logPath);

        m_process = std::make_unique<QProcess>();
        m_process->setProgram(program);
        m_process->setArguments({
            QStringLiteral("--config.file=") + configPath,
            QStringLiteral("--storage.tsdb.path=") + m_dir->filePath(QStringLiteral("data")),
            QStringLiteral("--web.listen-address=") + address(),
        });
        m_process->setStandardOutputFile(logPath + QStringLiteral(".out"));
        m_process->setStandardErrorFile(logPath);
        dieWithParent(*m_process);
        m_process->start();
        if (!m_process->waitForStarted(5000))
            return Error(Error::Kind::Connect,
                         QStringLiteral("cannot run %1: %2 (%3)")
                             .arg(program, m_process->errorString(), QLatin1String(installHint)));

        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired() && m_process->state() == QProcess::Running) {
            const HttpReply ready = httpGet(m_port, "/-/ready", 1000);
            if (ready.status == 200)
                return {};
            QThread::msleep(100);
            m_process->waitForFinished(0);
        }
        const bool exited = m_process->state() == QProcess::NotRunning;
        lastError =
            Error(Error::Kind::Connect,
                  QStringLiteral("%1 on %2 %3. Its log:\n%4")
                      .arg(program, address(),
                           exited ? QStringLiteral("exited with code %1").arg(m_process->exitCode())
                                  : QStringLiteral("was not ready within %1 ms").arg(timeoutMs),
                           logTail()));
        m_process->kill();
        m_process->waitForFinished(2000);
        if (!logTail().contains(QLatin1String("address already in use")))
            break;
    }
    return lastError;
}

void TestPrometheus::stop() {
    if (!isRunning())
        return;
    m_process->terminate();
    if (!m_process->waitForFinished(10000)) {
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

Result<QJsonObject> TestPrometheus::api(const QByteArray &pathAndQuery) const {
    const HttpReply reply = httpGet(m_port, pathAndQuery);
    if (reply.status == 0)
        return Error(Error::Kind::Connect, QStringLiteral("prometheus: ") + reply.error);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(reply.body, &parseError);
    const QJsonObject object = doc.object();
    if (!doc.isObject())
        return Error(Error::Kind::Protocol,
                     QStringLiteral("prometheus answered %1 to %2 with "
                                    "no JSON object (%3): %4")
                         .arg(reply.status)
                         .arg(QString::fromUtf8(pathAndQuery), parseError.errorString(),
                              QString::fromUtf8(reply.body.left(300))));
    if (reply.status != 200
        || object.value(QStringLiteral("status")).toString() != QLatin1String("success"))
        return Error(Error::Kind::Server,
                     QStringLiteral("prometheus answered %1 to %2: %3: %4")
                         .arg(reply.status)
                         .arg(QString::fromUtf8(pathAndQuery),
                              object.value(QStringLiteral("errorType")).toString(),
                              object.value(QStringLiteral("error")).toString()));
    return object;
}

Result<QJsonArray> TestPrometheus::query(const QString &expr) const {
    auto answer = api("/api/v1/query?query=" + QUrl::toPercentEncoding(expr));
    if (!answer.ok())
        return answer.error();
    return answer->value(QStringLiteral("data"))
        .toObject()
        .value(QStringLiteral("result"))
        .toArray();
}

Result<double> TestPrometheus::scalarOf(const QString &expr) const {
    auto result = query(expr);
    if (!result.ok())
        return result.error();
    if (result->size() != 1)
        return Error(Error::Kind::Server,
                     QStringLiteral("%1 has %2 samples, not one: %3")
                         .arg(expr)
                         .arg(result->size())
                         .arg(QString::fromUtf8(
                             QJsonDocument(result.value()).toJson(QJsonDocument::Compact))));
    // A sample's value is [time, "text"]; the text is Prometheus' float ("NaN", "+Inf" too).
    const QString text =
        result->at(0).toObject().value(QStringLiteral("value")).toArray().at(1).toString();
    if (text == QLatin1String("NaN"))
        return qQNaN();
    if (text == QLatin1String("+Inf") || text == QLatin1String("-Inf"))
        return text.startsWith(QLatin1Char('-')) ? -qInf() : qInf();
    bool ok = false;
    const double value = text.toDouble(&ok);
    if (!ok)
        return Error(Error::Kind::Protocol, QStringLiteral("%1: not a number: %2").arg(expr, text));
    return value;
}

Result<QJsonArray> TestPrometheus::activeTargets() const {
    auto answer = api("/api/v1/targets?state=active");
    if (!answer.ok())
        return answer.error();
    return answer->value(QStringLiteral("data"))
        .toObject()
        .value(QStringLiteral("activeTargets"))
        .toArray();
}

Result<QJsonObject> TestPrometheus::target(const QString &job) const {
    auto targets = activeTargets();
    if (!targets.ok())
        return targets.error();
    for (const QJsonValue &t : targets.value()) {
        const QJsonObject object = t.toObject();
        if (object.value(QStringLiteral("labels")).toObject().value(QStringLiteral("job")) == job)
            return object;
    }
    return Error(Error::Kind::Server,
                 QStringLiteral("no active target of job %1 in /api/v1/targets").arg(job));
}

} // namespace streamscope::test
