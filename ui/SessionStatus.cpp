#include "SessionStatus.h"

#include "ConnectionBar.h"
#include "Palette.h"
#include "RedisConnection.h"
#include "Session.h"
#include "Wording.h"

#include <QApplication>
#include <QDateTime>
#include <QLabel>
#include <QStatusBar>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QTimer>

#include <algorithm>

namespace streamscope {

namespace {

qint64 nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

SessionStatus::SessionStatus(QStatusBar *bar, ConnectionBar *connectionBar, QObject *parent)
    : QObject(parent)
    , m_bar(bar)
    , m_connectionBar(connectionBar)
    , m_server(new QLabel)
    , m_deployment(new QLabel)
    , m_rate(new QLabel)
    , m_reconnect(new QLabel)
    , m_load(new QLabel)
    , m_timer(new QTimer(this)) {
    m_deployment->setObjectName(QStringLiteral("deployment"));
    m_deployment->setToolTip(tr("The deployment: a standalone server, or a cluster with its "
                                "primaries (the Topology tab shows every node)"));
    m_rate->setObjectName(QStringLiteral("tailRate"));
    m_rate->setToolTip(tr("Entries and bytes per second read by the live tail"));
    m_load->setToolTip(tr("StreamScope's own load on the server: commands per second sent by "
                          "all its connections (tail, polls, views, actions)"));
    bar->addWidget(m_server);
    // Permanent: a passing message (a failover, a finding) does not hide what the deployment is.
    bar->addPermanentWidget(m_deployment);
    bar->addPermanentWidget(m_rate);
    bar->addPermanentWidget(m_reconnect);
    bar->addPermanentWidget(m_load);
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &SessionStatus::tick);
    m_timer->start();
    bind(nullptr, {});
}

void SessionStatus::bind(Session *session, const QString &connectionName) {
    for (const QMetaObject::Connection &c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    m_session = session;
    m_connectionName = connectionName;
    m_finalError = false;
    m_notAnswering = false;
    m_freshness = session ? session->freshness() : Freshness();
    m_server->clear();
    m_deployment->clear();
    m_deployment->setEnabled(true);
    m_rate->clear();
    m_reconnect->clear();
    m_load->clear();
    m_loadCommands = RedisConnection::totalCommandsSent();
    m_loadAtMs = nowMs();
    m_state = TailState::Stopped;
    m_detail.clear();
    m_bar->clearMessage();
    if (!session) {
        showTailState();
        return;
    }
    m_state = session->tailState();
    m_connections << connect(session, &Session::tailStateChanged, this,
                             &SessionStatus::onTailState);
    m_connections << connect(session, &Session::tailStats, this, &SessionStatus::onTailStats);
    m_connections << connect(session, &Session::freshnessChanged, this,
                             &SessionStatus::onFreshness);
    m_connections << connect(session, &Session::serverInfoUpdated, this,
                             &SessionStatus::onServerInfo);
    m_connections << connect(session, &Session::deploymentChanged, this,
                             &SessionStatus::updateDeployment);
    m_connections << connect(session, &Session::gapDetected, this,
                             [this](const TailGap &gap) { say(gap.describe(), 15000); });
    m_connections << connect(session, &Session::streamReset, this,
                             [this](const TailReset &r) { say(r.describe(), 60000); });
    m_connections << connect(session, &Session::topologyChanged, this,
                             [this](const QString &message) { say(message, 60000); });
    m_connections << connect(
        session, &Session::streamFailed, this,
        [this](const QByteArray &, const QString &message) { say(message, 15000); });
    m_connections << connect(session, &Session::pollFailed, this,
                             [this](const Error &error, PollArea) {
                                 say(tr("Poll failed: %1").arg(error.message), 15000);
                             });
    m_connections << connect(session, &Session::groupTurnedCritical, this,
                             &SessionStatus::onGroupCritical);
    m_connections << connect(session, &Session::answersAgain, this,
                             [this] { say(tr("The server answers again."), 5000); });
    showTailState();
}

// Tell the user when a group turns critical, once: here and as a desktop notification.
void SessionStatus::onGroupCritical(const Finding &f) {
    const QString title =
        tr("%1 / %2 is critical").arg(QString::fromUtf8(f.stream), QString::fromUtf8(f.group));
    say(title + QStringLiteral(": ") + f.kind, 15000);
    if (!m_tray && QSystemTrayIcon::isSystemTrayAvailable()) {
        // The app's own icon (set by main), so that the notice says whose it is; the message
        // itself carries the critical sign.
        QIcon icon = QApplication::windowIcon();
        if (icon.isNull())
            icon = m_bar->style()->standardIcon(QStyle::SP_MessageBoxWarning);
        m_tray = new QSystemTrayIcon(icon, this);
        m_tray->setToolTip(QApplication::applicationName());
        m_tray->show();
    }
    if (m_tray)
        m_tray->showMessage(title, f.message, QSystemTrayIcon::Critical, 10000);
}

void SessionStatus::showFinalError(const QString &text) {
    m_finalError = true;
    m_rate->clear();
    m_reconnect->clear();
    // The banner says it all; the toolbar's state stays short, so that it (and the read-only
    // marker beside it) is not pushed into the toolbar's overflow.
    const QLabel *label = m_connectionBar->stateLabel();
    m_connectionBar->setStateText(
        toneHtml(Tone::Critical,
                 QStringLiteral("\u25CF ")
                     + label->fontMetrics().elidedText(text.section(QLatin1Char(':'), 0, 0),
                                                       Qt::ElideRight, 220)),
        text);
}

void SessionStatus::say(const QString &message, int timeoutMs) {
    // Cut to the room left beside the permanent figures (it would run into them), whole in the
    // tooltip.
    int room = m_bar->width() - 24;
    for (QLabel *label : {m_deployment, m_rate, m_reconnect, m_load})
        if (label->isVisible())
            room -= label->sizeHint().width() + 8;
    const QString shown =
        m_bar->fontMetrics().elidedText(message, Qt::ElideRight, std::max(room, 120));
    m_bar->setToolTip(shown == message ? QString() : message);
    m_bar->showMessage(shown, timeoutMs);
}

void SessionStatus::onTailState(TailState state, const QString &detail) {
    m_state = state;
    m_detail = detail;
    showTailState();
}

void SessionStatus::showTailState() {
    if (m_finalError)
        return; // a stopped worker's last word (queued before it stopped) does not cover it
    if (m_notAnswering)
        return; // onFreshness shows that, and restores this when the server is back
    Tone tone = Tone::Muted;
    switch (m_state) {
    case TailState::Live:
        tone = Tone::Ok;
        break;
    case TailState::Connecting:
    case TailState::Reconnecting:
        tone = Tone::Warning;
        break;
    case TailState::Failed:
        tone = Tone::Critical;
        break;
    case TailState::Stopped:
        tone = Tone::Muted;
        break;
    }
    m_connectionBar->setStateText(
        QStringLiteral("%1 %2").arg(toneHtml(tone, QStringLiteral("\u25CF")),
                                    tailStateName(m_state).toHtmlEscaped()),
        m_detail);
    if (m_state == TailState::Reconnecting) {
        // The reason can be long: the whole of it is in the tooltip and the state's.
        const QString text = tr("reconnecting: %1").arg(m_detail);
        m_reconnect->setText(m_reconnect->fontMetrics().elidedText(text, Qt::ElideRight, 420));
        m_reconnect->setToolTip(text);
    } else if (m_state == TailState::Stopped) {
        m_rate->clear();
    }
}

void SessionStatus::onTailStats(const TailStats &stats) {
    if (m_notAnswering || !m_session)
        return; // the rates would be old ones
    m_rate->setText(tr("%1 events/s, %2 KiB/s, %3")
                        .arg(formatRate(stats.entriesPerSecond),
                             formatRate(stats.bytesPerSecond / 1024.0, 1),
                             countOf(stats.entries, "event", "events")));
    if (m_state == TailState::Live)
        m_reconnect->setText(stats.reconnects ? countOf(stats.reconnects, "reconnect", "reconnects")
                                              : QString());
}

void SessionStatus::onFreshness(const Freshness &freshness) {
    m_freshness = freshness;
    const bool stale = freshness.state == Freshness::State::Stale;
    const bool was = m_notAnswering;
    m_notAnswering = stale;
    if (stale) {
        const qint64 late = nowMs() - freshness.lastUpdatedMs;
        const bool failing = m_session && !m_session->connectionFailure().isEmpty();
        // Short enough for the toolbar ("not answering for 3 min 4 s", never "1600 m"); the
        // whole of it in the tooltip.
        m_connectionBar->setStateText(
            QStringLiteral("%1 %2").arg(
                toneHtml(Tone::Critical, QStringLiteral("\u25CF")),
                (failing ? tr("polls failing for %1") : tr("not answering for %1"))
                    .arg(formatDuration(late))
                    .toHtmlEscaped()),
            tr("%1 Every figure shown is from then, greyed.").arg(freshness.describe()));
        m_rate->setText(tr("- events/s, - KiB/s"));
        m_deployment->setEnabled(false);
        m_deployment->setToolTip(tr("As the server said it at %1: it has not answered since.")
                                     .arg(formatClock(freshness.lastUpdatedMs)));
        if (!was)
            say(failing ? tr("Polls are failing: %1").arg(m_session->connectionFailure())
                        : tr("The server is not answering (no reply to a poll "
                             "for %1).")
                              .arg(formatDuration(late)));
    } else if (was) {
        m_deployment->setEnabled(true);
        updateDeployment();
        showTailState();
    }
}

void SessionStatus::tick() {
    // StreamScope's own load, every 2 s.
    const qint64 now = nowMs();
    if (now - m_loadAtMs >= 2000) {
        const qint64 commands = RedisConnection::totalCommandsSent();
        const double perSecond =
            double(commands - m_loadCommands) * 1000.0 / double(now - m_loadAtMs);
        m_loadCommands = commands;
        m_loadAtMs = now;
        m_load->setText(m_session && m_session->isRunning()
                            ? tr("own load %1 cmd/s").arg(formatRate(perSecond, 1))
                            : QString());
    }
    if (!m_session)
        return;
    if (m_notAnswering) {
        onFreshness(m_freshness); // "for N s" counts on
        return;
    }
    // With many streams the tail's reads wait up to 5 s between its figures; a read that waits
    // has received nothing, so the rate is 0, not the last one sent.
    const std::optional<TailStats> stats = m_session->lastTailStats();
    if (m_state == TailState::Live && stats && now - m_session->lastTailStatsMs() > 1500)
        m_rate->setText(
            tr("0 events/s, 0.0 KiB/s, %1").arg(countOf(stats->entries, "event", "events")));
}

void SessionStatus::onServerInfo(const ServerInfo &info) {
    if (!m_session)
        return;
    const ConnectionSettings &settings = m_session->settings();
    const QString version = !info.version.isEmpty() ? info.version
                            : !info.unknownReason.isEmpty()
                                ? tr("unknown (%1)").arg(info.unknownReason)
                                : tr("unknown");
    // Through Sentinel the server is the master's primary (the deployment label names it), and
    // its mode ("standalone") says nothing there; through SSH, say the tunnel.
    QString what = settings.viaSentinel()
                       ? tr("Redis %1, master %2").arg(version, settings.sentinel.masterName)
                   : info.mode.isEmpty()
                       ? tr("Redis %1 at %2").arg(version, settings.endpoint())
                       : tr("Redis %1 (%2) at %3").arg(version, info.mode, settings.endpoint());
    if (settings.viaSsh())
        what +=
            tr(", through SSH %1")
                .arg(ConnectionSettings::HostPort{settings.ssh.host, settings.ssh.port}.toString());
    m_server->setText(
        (m_connectionName.isEmpty() ? QString() : m_connectionName + QStringLiteral(": ")) + what);
}

void SessionStatus::updateDeployment() {
    if (!m_session)
        return;
    m_deployment->setText(m_session->deploymentText());
    if (m_notAnswering)
        return; // the stale tooltip stays
    const DeploymentStatus &d = m_session->deployment();
    const bool linkDown =
        d.server && d.server->role == ServerInfo::Role::Replica && !d.server->primaryLinkUp;
    m_deployment->setToolTip(
        linkDown ? tr("The replica's link to its primary is down: what it shows is from before.")
                 : tr("The deployment and the server's role: a standalone server (primary or "
                      "replica), a primary found through Sentinel, or a cluster with its primaries "
                      "(the Topology tab shows every node)"));
}

QString SessionStatus::serverText() const {
    return m_server->text();
}

QString SessionStatus::deploymentText() const {
    return m_deployment->text();
}

bool SessionStatus::deploymentCurrent() const {
    return m_deployment->isEnabled();
}

QString SessionStatus::rateText() const {
    return m_rate->text();
}

} // namespace streamscope
