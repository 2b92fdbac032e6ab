#pragma once

#include "StreamInfo.h"

#include "Error.h"
#include "ExportDialog.h"
#include "Permissions.h"
#include "StreamPaging.h"
#include "TrimDialog.h"

#include <QPointer>
#include <QWidget>

#include <functional>
#include <optional>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace streamscope {

class EntryDetailView;
class EntryFilterProxy;
class GroupActions;
class StreamBrowserModel;

// Browses any stream's history: newest first, older pages as you scroll (never the whole
// stream), a jump to a moment or an ID that shows entries before and after it, "Newer" and
// "Older" pages from wherever the view is, and a filter over what is loaded (applied as you type)
// that says how many of how many entries match, and how many the stream has when only part of
// it is loaded.
class StreamBrowser : public QWidget {
    Q_OBJECT
public:
    explicit StreamBrowser(QWidget *parent = nullptr);
    // The lengths the session's poller read: the label never says "the whole stream" once the
    // stream has grown past what is loaded.
    void setStreamLengths(const streamscope::StreamInfoList &streams);
    void setRequests(GroupActions *requests, bool readOnly = false);
    // Enables or disables the write actions (delete, and trimming in an open trim dialog) in
    // place: nothing is reloaded.
    void setReadOnly(bool readOnly);
    bool isReadOnly() const { return m_readOnly; }
    // Disables trimming and deleting when the ACL user may not, with the reason as the tooltip.
    void setPermissions(const Permissions &permissions);
    // The selected entries, as a user copies them.
    QByteArray selectedAsJson() const;
    QByteArray selectedAsXadd() const;
    // Deletes the selected entries (XDEL) after confirm() says yes.
    void deleteSelected();
    // Asks before a deletion; by default a dialog whose button is named for the action
    // ("Delete 3 entries"). Tests replace it.
    std::function<bool(const QString &question)> confirm;
    void openStream(const QByteArray &stream, const PageStart &start = PageStart::newest());

    // "2026-11-25 14:05[:30]", "14:05[:30]" (today), or an entry ID. A moment or an ID is read
    // both ways (PageStart::Kind::Around).
    static Result<PageStart> parseJump(const QString &text, const QDate &today);

    StreamBrowserModel *model() const { return m_model; }
    EntryFilterProxy *filter() const { return m_filter; }
    QTableView *view() const { return m_view; }
    QString matchText() const;
    // Applies the filter fields; false (with the reason shown) for a bad regex. Typing applies
    // them by itself after filterDelayMs; Enter at once.
    bool applyFilter();
    static constexpr int filterDelayMs = 250;
    // The next page forward / back from what is shown (also the "Newer" / "Older" buttons).
    void showNewer();
    void showOlder();
    QPushButton *newerButton() const { return m_newer; }
    QPushButton *olderButton() const { return m_older; }
    // The trim dialog open now, if any.
    TrimDialog *trimDialog() const { return m_trimDialog; }
    QLineEdit *fieldEdit() const { return m_field; }
    QLineEdit *valueEdit() const { return m_value; }
    QComboBox *modeBox() const { return m_mode; }
    QLineEdit *jumpEdit() const { return m_jump; }
    void jump();

Q_SIGNALS:
    // "Copy to the publish form" on an entry.
    void publishRequested(const streamscope::StreamEntry &entry);
    // "Export...": what can be exported from here.
    void exportRequested(const streamscope::ExportChoices &choices);

protected:
    void changeEvent(QEvent *event) override;

private:
    void updateMatches();
    void updateColumnWidths();
    void requestLength();
    void openTrimDialog();
    void showJumpTarget();
    void showPagedRows();
    void setError(const QString &message); // shown only when there is one

    StreamBrowserModel *m_model;
    EntryFilterProxy *m_filter;
    QLineEdit *m_stream;
    QLineEdit *m_jump;
    QLineEdit *m_field;
    QComboBox *m_mode;
    QLineEdit *m_value;
    QLabel *m_matches;
    QLabel *m_error;
    QPushButton *m_older;
    QPushButton *m_newer;
    QTimer *m_filterDelay;
    QTableView *m_view;
    EntryDetailView *m_detail;
    QList<StreamEntry> selectedEntries() const;

    GroupActions *m_requests = nullptr;
    bool m_readOnly = false;
    QAction *m_deleteAction = nullptr;
    QPushButton *m_trimButton = nullptr;
    QPointer<TrimDialog> m_trimDialog;
    int m_lengthRequest = 0;
    qint64 m_length = -1;               // the stream's length at the last page, -1 unknown
    std::optional<StreamId> m_jumpedTo; // select the entry at this moment when its page is in
    // After a Newer (Older) page: show the new rows next to the ones shown before.
    enum class Paged { None, Newer, Older };
    Paged m_paged = Paged::None;
    int m_rowsBeforePage = 0;
    Permissions m_permissions;
    void updateWriteActions();
};

} // namespace streamscope
