// AlertSender: webhook POSTs and commands, off the poll's thread.

#include "Alerts.h"

#include "ValueFormat.h"
#include "Wording.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QMutex>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QProcess>
#include <QThread>
#include <QTimer>
#include <QWaitCondition>

#include <atomic>
#include <deque>
#include <utility>

#include <csignal>
#include <sys/types.h>
#include <unistd.h>

namespace streamscope {

namespace {

constexpr int maxRetryDelayMs = 30000;
constexpr int stderrTailBytes = 1000;

struct Job {
    AlertEvent event;
    QByteArray json;
    int attempt = 0; // retries done
};

struct Target {
    QString name;
    std::deque<Job> waiting; // in the order sent; not yet started
    QSet<QString> busy;      // keys in flight (or waiting for a retry)
    std::atomic<qint64> sent{0};
    std::atomic<qint64> failed{0};
    std::atomic<qint64> dropped{0};
    std::atomic<qint64> retried{0};
    qint64 droppedWarnedAtMs = 0; // the last warning about drops (one per 10 s, not per drop)
    qint64 droppedWarned = 0;     // the count it gave
};

QString envText(const QString &text) {
    QString t = text;
    t.replace(QChar(0), QStringLiteral("\\0"));
    return t;
}

// Whether a failed POST is worth another try: no answer, a timeout, 5xx, 429 (Too Many
// Requests); not another 4xx (the receiver refused this body: it will refuse it again), nor a
// URL the client cannot use.
bool retryable(int status, QNetworkReply::NetworkError error) {
    if (status >= 500 || status == 429)
        return true;
    if (status != 0)
        return false;
    switch (error) {
    case QNetworkReply::ProtocolUnknownError:
    case QNetworkReply::ProtocolInvalidOperationError:
    case QNetworkReply::SslHandshakeFailedError:
    case QNetworkReply::ProxyAuthenticationRequiredError:
    case QNetworkReply::AuthenticationRequiredError:
        return false;
    default:
        return true;
    }
}

// The receiver without its path, query and credentials: a Slack or Teams webhook URL carries
// its secret in the path, and errors end up in logs.
QString webhookOrigin(const QUrl &url) {
    return url.toDisplayString(QUrl::RemoveUserInfo | QUrl::RemovePath | QUrl::RemoveQuery
                               | QUrl::RemoveFragment);
}

} // namespace

struct AlertSender::Private {
    AlertSender *q = nullptr;
    Options options;
    QThread thread;
    QObject *worker = nullptr; // lives on thread

    mutable QMutex mutex;
    QWaitCondition idle;
    std::vector<std::unique_ptr<Target>> targets;
    bool pumpScheduled = false;
    bool stopping = false;

    // Worker thread only.
    QNetworkAccessManager *network = nullptr;
    bool shuttingDown = false;
    QSet<QNetworkReply *> replies;
    QSet<QProcess *> processes;

    Target *target(const QString &name) const {
        for (const auto &t : targets)
            if (t->name == name)
                return t.get();
        return nullptr;
    }
    bool isIdleLocked() const {
        for (const auto &t : targets)
            if (!t->waiting.empty() || !t->busy.isEmpty())
                return false;
        return true;
    }

    void schedulePumpLocked() {
        if (pumpScheduled || stopping)
            return;
        pumpScheduled = true;
        QMetaObject::invokeMethod(
            worker, [this] { pump(); }, Qt::QueuedConnection);
    }

    // Starts what may start: per target up to maxParallel keys, the oldest waiting event of a
    // key not in flight.
    void pump() {
        QList<QPair<Target *, Job>> starts;
        {
            QMutexLocker lock(&mutex);
            pumpScheduled = false;
            if (shuttingDown)
                return;
            for (const auto &t : targets) {
                for (auto it = t->waiting.begin();
                     it != t->waiting.end() && t->busy.size() < options.maxParallel;) {
                    if (t->busy.contains(it->event.key)) {
                        ++it;
                        continue;
                    }
                    t->busy.insert(it->event.key);
                    starts.append({t.get(), std::move(*it)});
                    it = t->waiting.erase(it);
                }
            }
        }
        for (auto &[t, job] : starts)
            start(t, std::move(job));
    }

    void start(Target *t, Job job) {
        if (shuttingDown)
            return;
        if (t->name == webhookTarget())
            post(t, std::move(job));
        else
            run(t, std::move(job));
    }

    void finish(Target *t, const Job &job, const QString &error) {
        if (shuttingDown)
            return;
        if (error.isEmpty()) {
            ++t->sent;
            Q_EMIT q->delivered(job.event.key, t->name);
        } else {
            ++t->failed;
            // failed() is the report (serve prints it): no second one on stderr.
            Q_EMIT q->failed(job.event.key, t->name, error);
        }
        {
            QMutexLocker lock(&mutex);
            t->busy.remove(job.event.key);
            if (isIdleLocked())
                idle.wakeAll();
        }
        pump();
    }

    void retryOrFinish(Target *t, Job job, bool canRetry, const QString &error) {
        if (shuttingDown)
            return;
        if (!canRetry || job.attempt >= options.retries) {
            finish(t, job,
                   job.attempt > 0
                       ? QStringLiteral("%1 (after %2)")
                             .arg(error, countOf(job.attempt + 1, QStringLiteral("attempt"),
                                                 QStringLiteral("attempts")))
                       : error);
            return;
        }
        ++job.attempt;
        ++t->retried;
        const qint64 delay = qMin<qint64>(maxRetryDelayMs, qint64(qMax(0, options.retryDelayMs))
                                                               << qMin(job.attempt - 1, 20));
        QTimer::singleShot(int(delay), worker,
                           [this, t, job]() mutable { start(t, std::move(job)); });
    }

    void post(Target *t, Job job) {
        if (!network)
            network = new QNetworkAccessManager(worker);
        QNetworkRequest request(options.webhook);
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        request.setHeader(QNetworkRequest::UserAgentHeader,
                          QByteArrayLiteral("StreamScope/" STREAMSCOPE_VERSION));
        request.setRawHeader("X-StreamScope-Alert-Key", job.event.key.toUtf8());
        request.setTransferTimeout(qMax(1, options.timeoutMs));
        QNetworkReply *reply = network->post(request, job.json);
        replies.insert(reply);
        // A guard behind the transfer timeout, should a connect hang outside it.
        auto timedOut = std::make_shared<bool>(false);
        QTimer::singleShot(qMax(1, options.timeoutMs) + 1000, reply, [reply, timedOut] {
            *timedOut = true;
            reply->abort();
        });
        QObject::connect(
            reply, &QNetworkReply::finished, worker,
            [this, t, job = std::move(job), reply, timedOut]() mutable {
                replies.remove(reply);
                reply->deleteLater();
                if (shuttingDown)
                    return;
                const int status =
                    reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                const QNetworkReply::NetworkError error = reply->error();
                if (status >= 200 && status < 300) {
                    finish(t, job, {});
                    return;
                }
                QString text;
                if (status != 0) {
                    const QByteArray body = reply->read(300).trimmed();
                    text = QStringLiteral("HTTP %1 %2")
                               .arg(status)
                               .arg(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute)
                                        .toString());
                    if (!body.isEmpty())
                        text += QStringLiteral(": ") + valueformat::singleLine(body, 200);
                } else if (*timedOut || error == QNetworkReply::OperationCanceledError
                           || error == QNetworkReply::TimeoutError) {
                    text =
                        QStringLiteral("no answer from %1 within %2")
                            .arg(webhookOrigin(options.webhook), formatDuration(options.timeoutMs));
                } else {
                    // Qt's text ("Connection refused") does not say where.
                    text = webhookOrigin(options.webhook) + QStringLiteral(": ")
                           + reply->errorString();
                }
                retryOrFinish(t, std::move(job), retryable(status, error), text);
            });
    }

    void run(Target *t, Job job) {
        const AlertEvent &e = job.event;
        const Finding &f = e.finding;
        const bool cleared = e.transition == AlertEvent::Transition::Cleared;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const auto set = [&env](const char *name, const QString &value) {
            env.insert(QStringLiteral("STREAMSCOPE_ALERT_") + QLatin1String(name), envText(value));
        };
        set("TRANSITION", transitionName(e.transition));
        set("SEVERITY", severityName(cleared ? Severity::Ok : f.severity));
        set("PREVIOUS_SEVERITY", severityName(e.previous));
        set("KIND", f.kind);
        set("STREAM", valueformat::displayText(f.stream));
        set("GROUP", valueformat::displayText(f.group));
        set("CONSUMER", valueformat::displayText(f.consumer));
        set("ENTRY_ID", f.entryId ? f.entryId->toString() : QString());
        set("COUNT", f.count ? QString::number(*f.count) : QString());
        set("IDLE_MS", f.idleMs ? QString::number(*f.idleMs) : QString());
        set("MESSAGE", f.message);
        set("NOTE", e.note);
        set("KEY", e.key);
        set("TEXT", alertText(e));
        set("JSON", QString::fromUtf8(job.json));

        auto *process = new QProcess(worker);
        processes.insert(process);
        process->setProcessEnvironment(env);
        process->setStandardInputFile(QProcess::nullDevice());
        process->setStandardOutputFile(QProcess::nullDevice());
        // Its own process group, so that a timeout kills what the shell started too.
        process->setChildProcessModifier([] { ::setsid(); });
        auto stderrTail = std::make_shared<QByteArray>();
        QObject::connect(process, &QProcess::readyReadStandardError, process,
                         [process, stderrTail] {
                             *stderrTail += process->readAllStandardError();
                             if (stderrTail->size() > stderrTailBytes)
                                 *stderrTail = stderrTail->right(stderrTailBytes);
                         });
        auto timedOut = std::make_shared<bool>(false);
        auto *timer = new QTimer(process);
        timer->setSingleShot(true);
        QObject::connect(timer, &QTimer::timeout, process, [process, timedOut] {
            *timedOut = true;
            if (process->processId() > 0)
                ::kill(-pid_t(process->processId()), SIGKILL);
            process->kill();
        });
        const auto done = [this, t, job, process, stderrTail, timedOut](const QString &error) {
            processes.remove(process);
            process->deleteLater();
            if (shuttingDown)
                return;
            QString text = error;
            const QString tail = valueformat::singleLine(stderrTail->trimmed(), 300);
            if (!text.isEmpty() && !tail.isEmpty())
                text += QStringLiteral(", stderr: ") + tail;
            finish(t, job, text);
        };
        QObject::connect(process, &QProcess::finished, worker,
                         [this, process, done, timedOut, timer,
                          stderrTail](int exitCode, QProcess::ExitStatus status) {
                             timer->stop();
                             *stderrTail += process->readAllStandardError();
                             if (*timedOut)
                                 done(QStringLiteral("killed after %1 (the command timeout)")
                                          .arg(formatDuration(options.commandTimeoutMs)));
                             else if (status == QProcess::CrashExit)
                                 done(QStringLiteral("the command crashed"));
                             else if (exitCode != 0)
                                 done(QStringLiteral("exit code %1").arg(exitCode));
                             else
                                 done({});
                         });
        QObject::connect(process, &QProcess::errorOccurred, worker,
                         [process, done](QProcess::ProcessError error) {
                             if (error == QProcess::FailedToStart)
                                 done(QStringLiteral("cannot start /bin/sh: ")
                                      + process->errorString());
                         });
        process->start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), options.command});
        timer->start(qMax(1, options.commandTimeoutMs));
    }
};

QString AlertSender::webhookTarget() {
    return QStringLiteral("webhook");
}

QString AlertSender::commandTarget() {
    return QStringLiteral("command");
}

AlertSender::AlertSender(Options options, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>()) {
    d->q = this;
    d->options = std::move(options);
    d->options.maxQueued = qMax(1, d->options.maxQueued);
    d->options.maxParallel = qMax(1, d->options.maxParallel);
    d->options.retries = qMax(0, d->options.retries);
    if (!d->options.webhook.isEmpty()) {
        d->targets.push_back(std::make_unique<Target>());
        d->targets.back()->name = webhookTarget();
    }
    if (!d->options.command.isEmpty()) {
        d->targets.push_back(std::make_unique<Target>());
        d->targets.back()->name = commandTarget();
    }
    d->thread.setObjectName(QStringLiteral("streamscope-alerts"));
    d->worker = new QObject;
    d->worker->moveToThread(&d->thread);
    // Deleted on its thread, with the timers and replies that use it as their context.
    connect(&d->thread, &QThread::finished, d->worker, &QObject::deleteLater);
    d->thread.start();
}

AlertSender::~AlertSender() {
    {
        QMutexLocker lock(&d->mutex);
        d->stopping = true;
    }
    Private *p = d.get();
    QMetaObject::invokeMethod(
        d->worker,
        [p] {
            p->shuttingDown = true;
            // Aborting finishes a reply at once: its handler edits the set.
            const QSet<QNetworkReply *> replies = std::exchange(p->replies, {});
            for (QNetworkReply *reply : replies)
                reply->abort();
            const QSet<QProcess *> processes = std::exchange(p->processes, {});
            for (QProcess *process : processes) {
                if (process->processId() > 0)
                    ::kill(-pid_t(process->processId()), SIGKILL);
                process->kill();
                process->waitForFinished(2000);
                delete process;
            }
            delete p->network;
            p->network = nullptr;
        },
        Qt::BlockingQueuedConnection);
    d->thread.quit();
    d->thread.wait();
    for (const auto &t : d->targets)
        if (t->dropped > t->droppedWarned)
            qWarning().noquote() << QStringLiteral("streamscope: the %1 dropped %2 alerts in all")
                                        .arg(t->name)
                                        .arg(qint64(t->dropped));
}

void AlertSender::send(const AlertEvent &event) {
    if (d->targets.empty())
        return;
    const QByteArray json = alertJson(event);
    QList<QPair<Target *, QString>> droppedKeys;
    {
        QMutexLocker lock(&d->mutex);
        if (d->stopping)
            return;
        for (const auto &t : d->targets) {
            t->waiting.push_back({event, json, 0});
            while (int(t->waiting.size()) > d->options.maxQueued) {
                droppedKeys.append({t.get(), t->waiting.front().event.key});
                t->waiting.pop_front();
                ++t->dropped;
            }
        }
        d->schedulePumpLocked();
    }
    for (const auto &[t, key] : droppedKeys) {
        const qint64 total = t->dropped;
        Q_EMIT dropped(key, t->name, total);
    }
    // Counted, and said at most once per 10 s: a burst must not flood the log as well.
    if (!droppedKeys.isEmpty()) {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QString warning;
        {
            QMutexLocker lock(&d->mutex);
            for (const auto &t : d->targets) {
                const qint64 total = t->dropped;
                if (total == t->droppedWarned
                    || (t->droppedWarnedAtMs != 0 && now - t->droppedWarnedAtMs < 10000))
                    continue;
                warning += QStringLiteral(
                               "streamscope: the %1 cannot keep up: %2 waiting, dropped %3 of the "
                               "oldest alerts (%4 in all)\n")
                               .arg(t->name)
                               .arg(d->options.maxQueued)
                               .arg(total - t->droppedWarned)
                               .arg(total);
                t->droppedWarned = total;
                t->droppedWarnedAtMs = now;
            }
        }
        if (!warning.isEmpty())
            qWarning().noquote() << warning.trimmed();
    }
}

AlertSender::Counters AlertSender::counters(const QString &target) const {
    Counters c;
    if (const Target *t = d->target(target)) {
        c.sent = t->sent;
        c.failed = t->failed;
        c.dropped = t->dropped;
        c.retried = t->retried;
    }
    return c;
}

QStringList AlertSender::targets() const {
    QStringList names;
    for (const auto &t : d->targets)
        names << t->name;
    return names;
}

int AlertSender::queued() const {
    QMutexLocker lock(&d->mutex);
    qsizetype n = 0;
    for (const auto &t : d->targets)
        n += qsizetype(t->waiting.size()) + t->busy.size();
    return int(n);
}

bool AlertSender::waitForIdle(int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    QMutexLocker lock(&d->mutex);
    while (!d->isIdleLocked()) {
        if (!d->idle.wait(&d->mutex, deadline))
            return d->isIdleLocked();
    }
    return true;
}

} // namespace streamscope
