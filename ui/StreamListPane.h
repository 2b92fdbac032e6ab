#pragma once

#include "Freshness.h"
#include "StreamInfo.h"

#include <QPointer>
#include <QSet>
#include <QWidget>

class QLabel;
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

Q_SIGNALS:
    void selectionChanged(const QSet<QByteArray> &streams);
    void browseRequested(const QByteArray &stream);
    // The cluster columns appeared: the pane would like to be this wide.
    void wantsWidth(int width);

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
};

} // namespace streamscope
