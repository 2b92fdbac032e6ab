#pragma once

#include "Freshness.h"
#include "RedriveDialog.h"
#include "StreamCatalog.h"
#include "StreamInfo.h"

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QWidget>

class QLabel;
class QLineEdit;
class QMenu;
class QTableView;
class QTimer;
class QToolButton;

namespace streamscope {

class Session;
class StreamListModel;
class WarningBanner;

// The stream list on the left: every stream of the session's server with its length and rate,
// what is not current or not whole said above it (a bound, a failed listing, nodes not
// answering), and the selection that filters the other views.
//
// Paged (a session whose poller keeps a catalog): the names come a page at a time as the view
// scrolls, a filter above searches the server (SCAN MATCH), and the streams in view plus the
// selected ones are what the session watches once the server has more than it watches whole;
// the line under the filter says how many are watched of how many, and how far a search went.
class StreamListPane : public QWidget {
    Q_OBJECT
public:
    explicit StreamListPane(QWidget *parent = nullptr);

    // Null: empty (disconnected). A new session starts empty: nothing of the last server stays.
    void bind(Session *session);
    StreamListModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QLabel *errorLabel() const { return m_error; }
    QLineEdit *filterEdit() const { return m_filter; }
    QToolButton *patternButton() const { return m_pattern; }
    // "Watching 38 of 100,000 streams ...", "12 match ..., whole server searched".
    QString scopeText() const;
    // The streams the session is told to watch (rows in view and selected), as last sent.
    QList<QByteArray> watchedStreams() const { return m_sentWatched; }
    // Sends the filter now (the edit waits for a pause in typing).
    void applyFilter();
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
    // scopeText() changed: views that show only the watched streams say so too.
    void scopeChanged(const QString &text);
    // A redrive opened from here ended (ok false: it stopped on an error); summary says what
    // was done. The lists are polled again right away.
    void redriveFinished(bool ok, const QString &summary);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void onListed(const StreamInfoList &streams, bool truncated);
    void onCatalog(const StreamCatalogPage &page);
    void updateScope();
    void sendWatched();
    void restoreRows();
    void onFreshness(const Freshness &freshness);
    void showError(const QString &text);

    StreamListModel *m_model;
    QTableView *m_view;
    QLabel *m_error;
    QLineEdit *m_filter;
    QToolButton *m_pattern;
    QLabel *m_scope;
    QTimer *m_filterDelay;
    QTimer *m_watchDelay;
    QList<QByteArray> m_sentWatched;
    bool m_truncated = false;
    bool m_firstRowsSaid = false;
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
