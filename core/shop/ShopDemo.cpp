#include "ShopDemo.h"

#include "LocalRedisServer.h"
#include "Version.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTimer>

#include <algorithm>
#include <cstdio>

namespace streamscope::shop {

namespace {
// The exit code of --crash-after (GroupConsumer): the planned crash of the demo's story.
constexpr int plannedCrashExitCode = 70;
constexpr int outputLinesKept = 5;
} // namespace

ShopDemo::ShopDemo(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options)) {
    const QDir data(m_options.dataDir);
    const QStringList url{QStringLiteral("--url"), m_options.redisUrl};
    const QString claim = QString::number(m_options.claimIdleMs);
    auto payment = [&](const QString &consumer, bool crashes) {
        return Service{consumer, QStringLiteral("payment-service"),
                       url
                           + QStringList{QStringLiteral("--consumer"), consumer,
                                         QStringLiteral("--db"),
                                         data.filePath(QStringLiteral("payments.db")),
                                         QStringLiteral("--claim-idle-ms"), claim,
                                         QStringLiteral("--fail-rate"), QStringLiteral("0.05")},
                       crashes};
    };
    m_services.push_back(
        {QStringLiteral("order-service"), QStringLiteral("order-service"),
         url
             + QStringList{QStringLiteral("--http"), QStringLiteral("0"), QStringLiteral("--db"),
                           data.filePath(QStringLiteral("orders.db")), QStringLiteral("--generate"),
                           QString::number(m_options.ordersPerSecond)},
         false});
    m_services.push_back(payment(QStringLiteral("payments-1"), false));
    m_services.push_back(payment(QStringLiteral("payments-2"), m_options.crashing));
    m_services.push_back(
        {QStringLiteral("notification-service"), QStringLiteral("notification-service"),
         url + QStringList{QStringLiteral("--consumer"), QStringLiteral("notifier-1")}, false});
    for (LocalRedisServer *server : m_options.servers)
        connect(server, &LocalRedisServer::exited, this,
                [this, server](int exitCode, bool crashed) {
                    onServerExited(server, exitCode, crashed);
                });
}

ShopDemo::~ShopDemo() {
    stop();
}

Error ShopDemo::start() {
    for (Service &s : m_services) {
        const QString path = QDir(m_options.binDir).filePath(s.program);
        if (!QFileInfo(path).isExecutable())
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("%1 is missing: %2 is not an executable file (build "
                                        "every target, or install the streamscope package)")
                             .arg(s.program, path));
        if (Error e = launch(s))
            return e;
    }
    return {};
}

QStringList ShopDemo::servicePrograms() {
    return {QStringLiteral("order-service"), QStringLiteral("payment-service"),
            QStringLiteral("notification-service")};
}

QStringList ShopDemo::serviceDirs(const QString &appDir) {
    return {QDir::cleanPath(QDir(appDir).filePath(servicesDirFromBin())), QDir::cleanPath(appDir)};
}

Result<QString> ShopDemo::findServices(const QStringList &dirs) {
    QStringList tried;
    for (const QString &dir : dirs) {
        QStringList missing;
        for (const QString &program : servicePrograms())
            if (!QFileInfo(QDir(dir).filePath(program)).isExecutable())
                missing << program;
        if (missing.isEmpty())
            return QDir(dir).absolutePath();
        tried << QStringLiteral("%1 (%2)").arg(
            dir, missing.size() == servicePrograms().size()
                     ? QStringLiteral("no service there")
                     : QStringLiteral("missing: %1").arg(missing.join(QStringLiteral(", "))));
    }
    return Error(Error::Kind::InvalidArgument,
                 QStringLiteral("the shop's services (%1) were not found; looked in %2: build "
                                "every target, or install the streamscope package")
                     .arg(servicePrograms().join(QStringLiteral(", ")),
                          tried.join(QStringLiteral(" and "))));
}

Error ShopDemo::launch(Service &s) {
    QStringList args = s.args;
    if (m_options.currentUrl) {
        const qsizetype at = args.indexOf(QStringLiteral("--url"));
        const QString url = m_options.currentUrl();
        if (at >= 0 && at + 1 < args.size() && !url.isEmpty())
            args[at + 1] = url;
    }
    if (s.crashes) // somewhere between 40 and 120 orders in: visibly, but not constantly
        args << QStringLiteral("--crash-after")
             << QString::number(QRandomGenerator::global()->bounded(
                    m_options.crashAfterMin,
                    qMax(m_options.crashAfterMin + 1, m_options.crashAfterMax)));
    ++s.launches;
    s.process = std::make_unique<QProcess>();
    s.process->setProgram(QDir(m_options.binDir).filePath(s.program));
    s.process->setArguments(args);
    s.process->setStandardOutputFile(QProcess::nullDevice());
    // Its stderr is read (the last lines say why it stopped) and passed on to ours.
    s.lastOutput.clear();
    s.partialLine.clear();
    dieWithParent(*s.process);
    Service *service = &s;
    QProcess *process = s.process.get();
    connect(process, &QProcess::readyReadStandardError, this,
            [this, service] { readOutput(*service); });
    connect(process, &QProcess::finished, this,
            [this, service, process](int code, QProcess::ExitStatus status) {
                if (service->process.get() == process)
                    onFinished(*service, code, status);
            });
    s.process->start();
    if (!s.process->waitForStarted(5000))
        return Error(
            Error::Kind::Connect,
            QStringLiteral("cannot start %1: %2").arg(s.program, s.process->errorString()));
    return {};
}

void ShopDemo::readOutput(Service &s) {
    const QByteArray data = s.process->readAllStandardError();
    std::fwrite(data.constData(), 1, size_t(data.size()), stderr);
    std::fflush(stderr);
    s.partialLine += data;
    keepLines(s);
}

void ShopDemo::keepLines(Service &s) {
    const qsizetype end = s.partialLine.lastIndexOf('\n');
    if (end < 0) {
        if (s.partialLine.size() > 4096) // a line without end: keep its start
            s.partialLine.truncate(4096);
        return;
    }
    // The service's own time stamp ("2026-11-26 03:12:09.123 ") says nothing the banner's
    // time does not.
    static const QRegularExpression stamp(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+ "));
    // Nor does its name ("payment-service[payments-2]: "): the banner names it.
    const QString prefix =
        (s.program == s.name ? s.name : s.program + '[' + s.name + ']') + QStringLiteral(": ");
    for (const QByteArray &line : s.partialLine.left(end).split('\n')) {
        QString text = QString::fromUtf8(line).trimmed();
        text.remove(stamp);
        if (text.startsWith(prefix))
            text.remove(0, prefix.size());
        if (!text.isEmpty())
            s.lastOutput.append(text.left(500));
    }
    while (s.lastOutput.size() > outputLinesKept)
        s.lastOutput.removeFirst();
    s.partialLine.remove(0, end + 1);
}

void ShopDemo::onFinished(Service &s, int code, QProcess::ExitStatus status) {
    if (m_stopping)
        return;
    readOutput(s);
    if (!s.partialLine.isEmpty()) { // its last words, without a line end
        s.partialLine += '\n';
        keepLines(s);
    }
    const bool crashed = status == QProcess::CrashExit;
    Stopped stopped;
    stopped.name = s.name;
    stopped.program = s.program;
    stopped.exitCode = code;
    stopped.crashed = crashed;
    stopped.atMs = QDateTime::currentMSecsSinceEpoch();
    stopped.lastOutput = s.lastOutput.join(QLatin1Char('\n'));
    if (s.crashes && !crashed && code == plannedCrashExitCode) {
        // The demo's own crash: the dashboard shows the dead consumer, and the instance comes
        // back by itself, as a supervisor would bring it back (unless it was started again, or
        // died otherwise, in the meantime).
        stopped.planned = true;
        stopped.restartAtMs = stopped.atMs + m_options.restartAfterMs;
        qWarning("demo: %s crashed as planned; restarting it in %d s", qPrintable(s.name),
                 m_options.restartAfterMs / 1000);
        Service *service = &s;
        const int launches = s.launches;
        QTimer::singleShot(m_options.restartAfterMs, this, [this, service, launches] {
            if (m_stopping || service->launches != launches)
                return;
            const Error e = restart(service->name);
            if (e)
                qWarning("demo: %s was not restarted: %s", qPrintable(service->name),
                         qPrintable(e.message));
        });
    } else {
        qWarning("demo: %s stopped (%s %d); it stays stopped until restarted", qPrintable(s.name),
                 crashed ? "signal" : "exit code", code);
    }
    report(stopped);
    Q_EMIT processDied(stopped.name, code, stopped.lastOutput);
}

void ShopDemo::onServerExited(LocalRedisServer *server, int exitCode, bool crashed) {
    if (m_stopping)
        return;
    Stopped stopped;
    stopped.name = serverName(server->port());
    stopped.program = QStringLiteral("redis-server");
    stopped.server = true;
    stopped.clusterNode = m_options.servers.size() > 1;
    stopped.port = server->port();
    stopped.exitCode = exitCode;
    stopped.crashed = crashed;
    stopped.atMs = QDateTime::currentMSecsSinceEpoch();
    stopped.lastOutput = server->logTail(3);
    qWarning("demo: the private redis-server on port %u stopped (%s %d); it stays stopped until "
             "restarted",
             unsigned(stopped.port), crashed ? "signal" : "exit code", exitCode);
    report(stopped);
    Q_EMIT serverDied(stopped.name, exitCode, stopped.lastOutput);
}

void ShopDemo::report(Stopped stopped) {
    // The planned crashes are not counted: the count tells a process that keeps dying.
    stopped.deaths = stopped.planned ? m_deaths[stopped.name] : ++m_deaths[stopped.name];
    forget(stopped.name);
    m_stopped.append(stopped);
    Q_EMIT stoppedChanged();
}

void ShopDemo::forget(const QString &name) {
    m_stopped.removeIf([&](const Stopped &s) { return s.name == name; });
}

ShopDemo::Service *ShopDemo::service(const QString &name) {
    for (Service &s : m_services)
        if (s.name == name)
            return &s;
    return nullptr;
}

QString ShopDemo::serverName(quint16 port) {
    return QStringLiteral("redis-server:%1").arg(port);
}

Error ShopDemo::restart(const QString &name) {
    Error error;
    bool known = false;
    if (Service *s = service(name)) {
        known = true;
        if (!s->process || s->process->state() == QProcess::NotRunning)
            error = launch(*s);
    }
    for (LocalRedisServer *server : m_options.servers)
        if (serverName(server->port()) == name) {
            known = true;
            error = server->start(); // nothing when it runs
        }
    if (!known)
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("the demo has nothing called %1").arg(name));
    const auto at = std::find_if(m_stopped.begin(), m_stopped.end(),
                                 [&](const Stopped &s) { return s.name == name; });
    if (error) {
        if (at != m_stopped.end()) {
            at->restartError = error.message;
            Q_EMIT stoppedChanged();
        }
        return error;
    }
    if (at != m_stopped.end()) {
        forget(name);
        Q_EMIT stoppedChanged();
    }
    Q_EMIT restarted(name);
    return {};
}

Error ShopDemo::restartServer() {
    Error first;
    for (LocalRedisServer *server : m_options.servers)
        if (!server->isRunning())
            if (Error e = restart(serverName(server->port())); e && !first)
                first = e;
    return first;
}

QList<ShopDemo::Stopped> ShopDemo::stopped() const {
    return m_stopped;
}

qint64 ShopDemo::processId(const QString &name) const {
    for (const Service &s : m_services)
        if (s.name == name)
            return s.process && s.process->state() == QProcess::Running ? s.process->processId()
                                                                        : 0;
    for (LocalRedisServer *server : m_options.servers)
        if (serverName(server->port()) == name)
            return server->processId();
    return 0;
}

void ShopDemo::stop() {
    m_stopping = true;
    for (Service &s : m_services)
        if (s.process && s.process->state() != QProcess::NotRunning)
            s.process->terminate();
    for (Service &s : m_services)
        if (s.process && !s.process->waitForFinished(5000)) {
            s.process->kill();
            s.process->waitForFinished(2000);
        }
}

QList<QPair<QString, bool>> ShopDemo::status() const {
    QList<QPair<QString, bool>> out;
    for (const Service &s : m_services)
        out.append({s.name, s.process && s.process->state() == QProcess::Running});
    return out;
}

} // namespace streamscope::shop
