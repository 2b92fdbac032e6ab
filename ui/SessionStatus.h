#pragma once

#include "Freshness.h"
#include "Health.h"
#include "ServerPoller.h"
#include "StreamTailer.h"

#include <QObject>
#include <QPointer>

class QLabel;
class QStatusBar;
class QSystemTrayIcon;
class QTimer;

namespace streamscope {

class ConnectionBar;
class Session;

// The window's words about the current session: the state beside the URL ("Live", "not
// answering for 12 s"), and in the status bar the server, the deployment and the server's role,
// the tail's rates, reconnects and StreamScope's own load. Figures the server no longer
// confirms are greyed and dated, rates fall to "-", and passing events (a gap, a failover, a
// failed poll) are said once as status messages.
class SessionStatus : public QObject {
    Q_OBJECT
public:
    SessionStatus(QStatusBar *bar, ConnectionBar *connectionBar, QObject *parent = nullptr);

    // Null: disconnected (everything cleared, state "Stopped").
    void bind(Session *session, const QString &connectionName);
    // A passing message in the status bar, cut to fit beside the figures (whole in its tooltip).
    void say(const QString &message, int timeoutMs = 0);
    // A final error said elsewhere (the banner): the state says it short, in red.
    void showFinalError(const QString &text);

    QString serverText() const;
    QString deploymentText() const;
    bool deploymentCurrent() const;
    QString rateText() const;
    QLabel *rateLabel() const { return m_rate; }
    bool notAnswering() const { return m_notAnswering; }

private:
    void onTailState(TailState state, const QString &detail);
    void onTailStats(const TailStats &stats);
    void onFreshness(const Freshness &freshness);
    void onServerInfo(const ServerInfo &info);
    void updateDeployment();
    void showTailState();
    void tick();
    void onGroupCritical(const Finding &finding);

    QStatusBar *m_bar;
    ConnectionBar *m_connectionBar;
    QLabel *m_server;
    QLabel *m_deployment;
    QLabel *m_rate;
    QLabel *m_reconnect;
    QLabel *m_load;
    QTimer *m_timer;
    QSystemTrayIcon *m_tray = nullptr;
    QPointer<Session> m_session;
    QList<QMetaObject::Connection> m_connections;
    QString m_connectionName;
    TailState m_state = TailState::Stopped;
    QString m_detail;
    Freshness m_freshness;
    bool m_notAnswering = false;
    bool m_finalError = false;
    qint64 m_loadCommands = 0;
    qint64 m_loadAtMs = 0;
};

} // namespace streamscope
