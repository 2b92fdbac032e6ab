#pragma once

#include "Freshness.h"
#include "RedriveDialog.h"
#include "StreamInfo.h"

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QWidget>

class QLabel;
class QMenu;
class QTableView;

namespace streamscope {

class Session;
class StreamListModel;
class WarningBanner;

// The stream list on the left: every stream of the session's server with its length and rate,
// what is not current or not whole said above it (a bound, a failed listing, nodes not
// answering), and the selection that filters the other views.
class StreamListPane : public QWidget {
    Q_OBJECT
public:
    explicit StreamListPane(QWidget *parent = nullptr);

    // Null: empty (disconnected). A new session starts empty: nothing of the last server stays.
    void bind(Session *session);
    StreamListModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QLabel *errorLabel() const { return m_error; }
    QString missingNodesText() const;
    QStringList selectedStreams() const;
    // Selects these once they are listed (the streams watched last time).
    void restoreSelection(const QStringList &names);
    void clearSelection();
    void showClusterColumns(bool cluster);
    // The stream's context menu (browse; redrive dead letters, enabled on a dead-letter stream:
    // a name ending in ":dlq", or a first entry carrying dlq.stream, checked off the GUI thread).
    // The caller owns it; the view's right-click pops it up.
    QMenu *contextMenu(const QByteArray &stream);
    // Opens the redrive dialog on stream with the session's worker (nothing when disconnected).
    void openRedrive(const QByteArray &stream);
    RedriveDialog *redriveDialog() const { return m_redriveDialog; }

Q_SIGNALS:
    void selectionChanged(const QSet<QByteArray> &streams);
    void browseRequested(const QByteArray &stream);
    // The cluster columns appeared: the pane would like to be this wide.
    void wantsWidth(int width);
    // A redrive opened from here ended (ok false: it stopped on an error); summary says what
    // was done. The lists are polled again right away.
    void redriveFinished(bool ok, const QString &summary);

private:
    void onListed(const StreamInfoList &streams, bool truncated);
    void onFreshness(const Freshness &freshness);
    void showError(const QString &text);

    StreamListModel *m_model;
    QTableView *m_view;
    QLabel *m_error;
    WarningBanner *m_missing;
    QPointer<Session> m_session;
    QList<QMetaObject::Connection> m_connections;
    QStringList m_restore;
    QString m_listError;
    bool m_truncatedNote = false;
    QHash<QByteArray, bool> m_carriesLetters; // first entry has dlq.stream (as last checked)
    QPointer<RedriveDialog> m_redriveDialog;
};

} // namespace streamscope
