#include "ShopDemo.h"

#include "LocalRedisServer.h"

#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTimer>

namespace streamscope::shop {

ShopDemo::ShopDemo(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options)) {
    const QDir data(m_options.dataDir);
    const QStringList url{QStringLiteral("--url"), m_options.redisUrl};
    const QString claim = QString::number(m_options.claimIdleMs);
    auto payment = [&](const QString &consumer, bool crashes) {
        return Service{consumer,
                       QStringLiteral("payment-service"),
                       url
                           + QStringList{QStringLiteral("--consumer"), consumer,
                                         QStringLiteral("--db"),
                                         data.filePath(QStringLiteral("payments.db")),
                                         QStringLiteral("--claim-idle-ms"), claim,
                                         QStringLiteral("--fail-rate"), QStringLiteral("0.05")},
                       crashes,
                       {}};
    };
    m_services.push_back(
        {QStringLiteral("order-service"),
         QStringLiteral("order-service"),
         url
             + QStringList{QStringLiteral("--http"), QStringLiteral("0"), QStringLiteral("--db"),
                           data.filePath(QStringLiteral("orders.db")), QStringLiteral("--generate"),
                           QString::number(m_options.ordersPerSecond)},
         false,
         {}});
    m_services.push_back(payment(QStringLiteral("payments-1"), false));
    m_services.push_back(payment(QStringLiteral("payments-2"), m_options.crashing));
    m_services.push_back(
        {QStringLiteral("notification-service"),
         QStringLiteral("notification-service"),
         url + QStringList{QStringLiteral("--consumer"), QStringLiteral("notifier-1")},
         false,
         {}});
}

ShopDemo::~ShopDemo() {
    stop();
}

Error ShopDemo::start() {
    for (Service &s : m_services) {
        const QString path = QDir(m_options.binDir).filePath(s.program);
        if (!QFileInfo(path).isExecutable())
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("%1 is missing next to streamscope (%2): build all "
                                        "targets")
                             .arg(s.program, path));
        if (Error e = launch(s))
            return e;
    }
    return {};
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
             << QString::number(QRandomGenerator::global()->bounded(40, 120));
    s.process = std::make_unique<QProcess>();
    s.process->setProgram(QDir(m_options.binDir).filePath(s.program));
    s.process->setArguments(args);
    s.process->setStandardOutputFile(QProcess::nullDevice());
    s.process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    dieWithParent(*s.process);
    Service *service = &s;
    connect(s.process.get(), &QProcess::finished, this, [this, service](int code) {
        if (m_stopping)
            return;
        qWarning("demo: %s exited (code %d); restarting it in %d s", qPrintable(service->name),
                 code, m_options.restartAfterMs / 1000);
        QTimer::singleShot(m_options.restartAfterMs, this, [this, service] {
            if (m_stopping)
                return;
            // Said where the exit was said (stderr); status() shows it as not running.
            if (Error e = launch(*service))
                qWarning("demo: %s was not restarted: %s", qPrintable(service->name),
                         qPrintable(e.message));
        });
    });
    s.process->start();
    if (!s.process->waitForStarted(5000))
        return Error(
            Error::Kind::Connect,
            QStringLiteral("cannot start %1: %2").arg(s.program, s.process->errorString()));
    return {};
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
