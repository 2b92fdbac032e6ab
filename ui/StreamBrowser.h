#pragma once

#include "Error.h"
#include "ExportDialog.h"
#include "Permissions.h"
#include "StreamPaging.h"

#include <QWidget>

#include <functional>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace streamscope {

class EntryDetailView;
class EntryFilterProxy;
class GroupActions;
class StreamBrowserModel;

// Browses any stream's history: newest first, older pages as you scroll (never the whole
// stream), a jump to a moment or an ID, and a filter over what is loaded that says how many of
// how many entries match ("Load older" continues the search further back).
class StreamBrowser : public QWidget {
    Q_OBJECT
public:
    explicit StreamBrowser(QWidget *parent = nullptr);
    void setRequests(GroupActions *requests, bool readOnly = false);
    // Disables trimming and deleting when the ACL user may not, with the reason as the tooltip.
    void setPermissions(const Permissions &permissions);
    // The selected entries, as a user copies them.
    QByteArray selectedAsJson() const;
    QByteArray selectedAsXadd() const;
    // Deletes the selected entries (XDEL) after confirm() says yes.
    void deleteSelected();
    std::function<bool(const QString &question)> confirm;
    void openStream(const QByteArray &stream, const PageStart &start = PageStart::newest());

    // "2026-11-25 14:05[:30]", "14:05[:30]" (today), or an entry ID.
    static Result<PageStart> parseJump(const QString &text, const QDate &today);

    StreamBrowserModel *model() const { return m_model; }
    EntryFilterProxy *filter() const { return m_filter; }
    QTableView *view() const { return m_view; }
    QString matchText() const;
    // Applies the filter fields; false (with the reason shown) for a bad regex.
    bool applyFilter();
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

private:
    void updateMatches();
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
    QTableView *m_view;
    EntryDetailView *m_detail;
    QList<StreamEntry> selectedEntries() const;

    GroupActions *m_requests = nullptr;
    bool m_readOnly = false;
    QAction *m_deleteAction = nullptr;
    QPushButton *m_trimButton = nullptr;
    Permissions m_permissions;
    void updateWriteActions();
};

} // namespace streamscope
